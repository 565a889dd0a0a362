namespace Unroll;

/// <summary>The graph joins and splits, batch normalisation, global pooling and zero padding.</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void Add(FloatBuffer a, FloatBuffer b, FloatBuffer output, int length)
        => ElementwiseKernels.Add(a, b, output, length);

    /// <inheritdoc/>
    public void Scale(FloatBuffer input, FloatBuffer output, float factor, int length)
        => ElementwiseKernels.Scale(input, output, factor, length);

    /// <inheritdoc/>
    public void AddInPlace(FloatBuffer source, FloatBuffer destination, int length)
        => ElementwiseKernels.AddInPlace(source, destination, length);

    /// <inheritdoc/>
    public void ConcatChannelsForward(FloatBuffer input, FloatBuffer output, int batch, in ConcatGeometry geometry)
        => ConcatKernels.Forward(input, output, batch, geometry.InputChannels, geometry.OutputChannels, geometry.ChannelOffset, geometry.Spatial);

    /// <inheritdoc/>
    public void ConcatChannelsBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in ConcatGeometry geometry)
        => ConcatKernels.Backward(outputGradient, inputGradient, batch, geometry.InputChannels, geometry.OutputChannels, geometry.ChannelOffset, geometry.Spatial);

    /// <inheritdoc/>
    public void BatchNormForward(FloatBuffer input, FloatBuffer output, in BatchNormBuffers buffers, int batch, in BatchNormGeometry geometry, bool training)
        => BatchNormKernels.Forward(input, buffers.Gamma, buffers.Beta, buffers.RunningMean, buffers.RunningVariance, output,
            buffers.SavedMean, buffers.SavedInverseStd, batch, geometry.Channels, geometry.Spatial, geometry.Momentum, geometry.Epsilon, training);

    /// <inheritdoc/>
    public void BatchNormBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient,
        FloatBuffer? gammaGradient, FloatBuffer? betaGradient, in BatchNormBuffers buffers, int batch, in BatchNormGeometry geometry)
        => BatchNormKernels.Backward(input, buffers.Gamma, buffers.SavedMean, buffers.SavedInverseStd, outputGradient, inputGradient,
            gammaGradient, betaGradient, batch, geometry.Channels, geometry.Spatial);

    /// <inheritdoc/>
    public void GlobalAvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in GlobalPool2DGeometry geometry)
        => GlobalPoolingKernels.AvgForward(input, output, batch, geometry.Channels, geometry.Spatial);

    /// <inheritdoc/>
    public void GlobalAvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in GlobalPool2DGeometry geometry)
        => GlobalPoolingKernels.AvgBackward(outputGradient, inputGradient, batch, geometry.Channels, geometry.Spatial);

    /// <inheritdoc/>
    public void ZeroPadding2DForward(FloatBuffer input, FloatBuffer output, int batch, in Padding2DGeometry geometry)
        => PaddingKernels.Forward(input, output, batch, geometry.Channels, geometry.InHeight, geometry.InWidth,
            geometry.PadTop, geometry.PadLeft, geometry.OutHeight, geometry.OutWidth);

    /// <inheritdoc/>
    public void ZeroPadding2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Padding2DGeometry geometry)
        => PaddingKernels.Backward(outputGradient, inputGradient, batch, geometry.Channels, geometry.InHeight, geometry.InWidth,
            geometry.PadTop, geometry.PadLeft, geometry.OutHeight, geometry.OutWidth);

    /// <inheritdoc/>
    public void UpSampling2DForward(FloatBuffer input, FloatBuffer output, int batch, in UpSampling2DGeometry geometry)
        => UpSamplingKernels.Forward(input, output, batch, geometry);

    /// <inheritdoc/>
    public void UpSampling2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in UpSampling2DGeometry geometry)
        => UpSamplingKernels.Backward(outputGradient, inputGradient, batch, geometry);
}
