namespace Unroll;

/// <summary>Fully connected layers over (batch, inputs) activations. Part of <see cref="IBackend"/>.</summary>
public interface IDenseOperations
{
    /// <summary>y[b, u] = Σᵢ x[b, i]·W[u, i] + bias[u]; W is [units, inputs].</summary>
    void DenseForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, int batch, in DenseGeometry geometry);

    /// <summary>dx = dy·W, dW = dyᵀ·x, dbias = Σ_b dy.</summary>
    void DenseBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient,
        FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient,
        int batch, in DenseGeometry geometry);
}
