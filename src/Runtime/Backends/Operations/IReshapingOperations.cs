namespace Unroll;

/// <summary>Operations that change a tensor's extent: zero padding, upsampling. Part of <see cref="IBackend"/>.</summary>
public interface IReshapingOperations
{
    /// <summary>Surrounds each (channels, inHeight, inWidth) sample with zeros: top/left given, bottom/right implied by the output size.</summary>
    void ZeroPadding2DForward(FloatBuffer input, FloatBuffer output, int batch, in Padding2DGeometry geometry);

    /// <summary>The gradient of <see cref="ZeroPadding2DForward"/>: the output gradient cropped back to the input's size.</summary>
    void ZeroPadding2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Padding2DGeometry geometry);

    /// <summary>Repeats each value of every (channels, inHeight, inWidth) sample over a FactorHeight × FactorWidth block.</summary>
    void UpSampling2DForward(FloatBuffer input, FloatBuffer output, int batch, in UpSampling2DGeometry geometry);

    /// <summary>The gradient of <see cref="UpSampling2DForward"/>: each block of the output gradient summed into its input value.</summary>
    void UpSampling2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in UpSampling2DGeometry geometry);
}
