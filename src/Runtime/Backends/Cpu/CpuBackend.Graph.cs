using System;

namespace Unroll;

// SKELETON: the graph, normalization and global pooling operations; replaced by the real kernels.
public sealed partial class CpuBackend
{
    public void Add(FloatBuffer a, FloatBuffer b, FloatBuffer output, int length) => throw new NotImplementedException();
    public void AddInPlace(FloatBuffer source, FloatBuffer destination, int length) => throw new NotImplementedException();
    public void ConcatChannelsForward(FloatBuffer input, FloatBuffer output, int batch, int inputChannels, int outputChannels, int channelOffset, int spatial) => throw new NotImplementedException();
    public void ConcatChannelsBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int inputChannels, int outputChannels, int channelOffset, int spatial) => throw new NotImplementedException();
    public void BatchNormForward(FloatBuffer input, FloatBuffer? gamma, FloatBuffer? beta, FloatBuffer runningMean, FloatBuffer runningVariance, FloatBuffer output, FloatBuffer savedMean, FloatBuffer savedInverseStd, int batch, int channels, int spatial, float momentum, float epsilon, bool training) => throw new NotImplementedException();
    public void BatchNormBackward(FloatBuffer input, FloatBuffer? gamma, FloatBuffer savedMean, FloatBuffer savedInverseStd, FloatBuffer outputGradient, FloatBuffer inputGradient, FloatBuffer? gammaGradient, FloatBuffer? betaGradient, int batch, int channels, int spatial) => throw new NotImplementedException();
    public void GlobalAvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, int channels, int spatial) => throw new NotImplementedException();
    public void GlobalAvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int channels, int spatial) => throw new NotImplementedException();
    public void ZeroPadding2DForward(FloatBuffer input, FloatBuffer output, int batch, int channels, int inHeight, int inWidth, int padTop, int padLeft, int outHeight, int outWidth) => throw new NotImplementedException();
    public void ZeroPadding2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int channels, int inHeight, int inWidth, int padTop, int padLeft, int outHeight, int outWidth) => throw new NotImplementedException();
}
