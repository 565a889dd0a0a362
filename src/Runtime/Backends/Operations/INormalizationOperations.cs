namespace Unroll;

/// <summary>Batch normalisation. Part of <see cref="IBackend"/>.</summary>
public interface INormalizationOperations
{
    /// <summary>
    /// Batch normalisation over (batch, channels, spatial) values, per channel (spatial = 1 after a Dense layer).
    /// Training: normalises with the batch's mean and biased variance, stores them in the saved mean and inverse deviation
    /// of <paramref name="buffers"/> (1/√(var + ε)) for the backward pass, and updates the running statistics Keras's way:
    /// running = momentum·running + (1 − momentum)·batch value (the running variance takes the unbiased batch variance,
    /// as PyTorch). Inference: normalises with the running statistics. Then y = gamma·x̂ + beta (gamma 1 / beta 0 when null).
    /// </summary>
    void BatchNormForward(FloatBuffer input, FloatBuffer output, in BatchNormBuffers buffers, int batch, in BatchNormGeometry geometry, bool training);

    /// <summary>
    /// Gradient of a training-mode <see cref="BatchNormForward"/> with respect to its input, gamma and beta; it reads gamma
    /// and the saved statistics of <paramref name="buffers"/>.
    /// </summary>
    void BatchNormBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient,
        FloatBuffer? gammaGradient, FloatBuffer? betaGradient, in BatchNormBuffers buffers, int batch, in BatchNormGeometry geometry);
}
