namespace Unroll;

/// <summary>Windowed and global pooling over (batch, channels, height, width) tensors. Part of <see cref="IBackend"/>.</summary>
public interface IPoolingOperations
{
    /// <summary>Largest value of each window.</summary>
    void MaxPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry);

    /// <summary>Routes each window's gradient to its (first) largest input.</summary>
    void MaxPool2DBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry);

    /// <summary>Mean of each window's cells inside the input.</summary>
    void AvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry);

    /// <summary>Spreads each window's gradient evenly over its cells inside the input.</summary>
    void AvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry);

    /// <summary>Mean of each channel's spatial values: (batch, channels, spatial) → (batch, channels).</summary>
    void GlobalAvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in GlobalPool2DGeometry geometry);

    /// <summary>Spreads each channel's gradient evenly over its spatial values.</summary>
    void GlobalAvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in GlobalPool2DGeometry geometry);
}
