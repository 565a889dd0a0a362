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
    public void ConcatChannelsForward(FloatBuffer input, FloatBuffer output, int batch, int inputChannels, int outputChannels, int channelOffset, int spatial)
        => ConcatKernels.Forward(input, output, batch, inputChannels, outputChannels, channelOffset, spatial);

    /// <inheritdoc/>
    public void ConcatChannelsBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int inputChannels, int outputChannels, int channelOffset, int spatial)
        => ConcatKernels.Backward(outputGradient, inputGradient, batch, inputChannels, outputChannels, channelOffset, spatial);

    /// <inheritdoc/>
    public void BatchNormForward(FloatBuffer input, FloatBuffer? gamma, FloatBuffer? beta, FloatBuffer runningMean, FloatBuffer runningVariance,
        FloatBuffer output, FloatBuffer savedMean, FloatBuffer savedInverseStd, int batch, int channels, int spatial, float momentum, float epsilon, bool training)
        => BatchNormKernels.Forward(input, gamma, beta, runningMean, runningVariance, output, savedMean, savedInverseStd,
            batch, channels, spatial, momentum, epsilon, training);

    /// <inheritdoc/>
    public void BatchNormBackward(FloatBuffer input, FloatBuffer? gamma, FloatBuffer savedMean, FloatBuffer savedInverseStd,
        FloatBuffer outputGradient, FloatBuffer inputGradient, FloatBuffer? gammaGradient, FloatBuffer? betaGradient, int batch, int channels, int spatial)
        => BatchNormKernels.Backward(input, gamma, savedMean, savedInverseStd, outputGradient, inputGradient, gammaGradient, betaGradient,
            batch, channels, spatial);

    /// <inheritdoc/>
    public void GlobalAvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, int channels, int spatial)
        => GlobalPoolingKernels.AvgForward(input, output, batch, channels, spatial);

    /// <inheritdoc/>
    public void GlobalAvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int channels, int spatial)
        => GlobalPoolingKernels.AvgBackward(outputGradient, inputGradient, batch, channels, spatial);

    /// <inheritdoc/>
    public void ZeroPadding2DForward(FloatBuffer input, FloatBuffer output, int batch, int channels, int inHeight, int inWidth,
        int padTop, int padLeft, int outHeight, int outWidth)
        => PaddingKernels.Forward(input, output, batch, channels, inHeight, inWidth, padTop, padLeft, outHeight, outWidth);

    /// <inheritdoc/>
    public void ZeroPadding2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int channels, int inHeight, int inWidth,
        int padTop, int padLeft, int outHeight, int outWidth)
        => PaddingKernels.Backward(outputGradient, inputGradient, batch, channels, inHeight, inWidth, padTop, padLeft, outHeight, outWidth);
}
