namespace Unroll;

/// <summary>Operations that change a tensor's extent without arithmetic: zero padding. Part of <see cref="IBackend"/>.</summary>
public interface IReshapingOperations
{
    /// <summary>Surrounds each (channels, inHeight, inWidth) sample with zeros: top/left given, bottom/right implied by the output size.</summary>
    void ZeroPadding2DForward(FloatBuffer input, FloatBuffer output, int batch, in Padding2DGeometry geometry);

    /// <summary>The gradient of <see cref="ZeroPadding2DForward"/>: the output gradient cropped back to the input's size.</summary>
    void ZeroPadding2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Padding2DGeometry geometry);
}
