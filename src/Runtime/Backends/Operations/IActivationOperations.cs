namespace Unroll;

/// <summary>Activation functions and dropout, element-wise over a length (softmax row by row). Part of <see cref="IBackend"/>.</summary>
public interface IActivationOperations
{
    /// <summary>Applies an activation to batch·features values; <see cref="Activation.Softmax"/> works row by row.</summary>
    void ActivationForward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output, int batch, int features);

    /// <summary>Gradient of <see cref="ActivationForward"/>, from its input, its output and the output's gradient.</summary>
    void ActivationBackward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output,
        FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int features);

    /// <summary>Inverted dropout: mask[i] = 0 with probability rate, else 1 / (1 − rate); output = input·mask. Same seed, same mask.</summary>
    void DropoutForward(FloatBuffer input, FloatBuffer output, FloatBuffer mask, float rate, ulong seed, int length);

    /// <summary>inputGradient = outputGradient·mask.</summary>
    void DropoutBackward(FloatBuffer mask, FloatBuffer outputGradient, FloatBuffer inputGradient, int length);
}
