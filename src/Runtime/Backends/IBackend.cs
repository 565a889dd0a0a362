using System;

namespace Unroll;

/// <summary>
/// The seam between generated networks and the hardware. Generated code calls only these operations, with every size a
/// constant, on buffers it allocated at construction; a backend (the CPU one here, an ILGPU one later) supplies them.
/// Layouts are row-major: activations (batch, features) or (batch, channels, height, width).
/// Backward operations overwrite (not accumulate into) their gradient outputs; a null input gradient means "not needed".
/// </summary>
public interface IBackend
{
    /// <summary>A short name for logs, e.g. "cpu (avx512, 2 threads)".</summary>
    string Name { get; }

    /// <summary>
    /// Whether this backend implements <paramref name="operation"/>, named as its method here (<c>nameof(IBackend.Conv2DBackward)</c>).
    /// A generated network asks at construction for every operation it calls (see <see cref="BackendSupport.Require"/>), so a
    /// backend that lacks one fails there, naming it, rather than midway through a pass. All of them unless overridden.
    /// </summary>
    bool Supports(string operation) => true;

    /// <summary>Allocates a zero-filled buffer.</summary>
    FloatBuffer Allocate(int length);

    /// <summary>Copies host values into <paramref name="destination"/> starting at <paramref name="offset"/>.</summary>
    void Upload(ReadOnlySpan<float> source, FloatBuffer destination, int offset = 0);

    /// <summary>Copies values of <paramref name="source"/>, starting at <paramref name="offset"/>, into host memory.</summary>
    void Download(FloatBuffer source, int offset, Span<float> destination);

    /// <summary>Copies the first <paramref name="length"/> values of one buffer into another.</summary>
    void Copy(FloatBuffer source, FloatBuffer destination, int length);

    /// <summary>y[b, u] = Σᵢ x[b, i]·W[u, i] + bias[u]; W is [units, inputs].</summary>
    void DenseForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, int batch, int inputs, int units);

    /// <summary>dx = dy·W, dW = dyᵀ·x, dbias = Σ_b dy.</summary>
    void DenseBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient,
        FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient,
        int batch, int inputs, int units);

    /// <summary>Length of the scratch buffer <see cref="Conv2DForward"/> and <see cref="Conv2DBackward"/> need for batches up to <paramref name="capacity"/>.</summary>
    int Conv2DWorkspaceLength(in Conv2DGeometry geometry, int capacity);

    /// <summary>Cross-correlation of each sample with every filter, plus the filter's bias.</summary>
    void Conv2DForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace,
        int batch, in Conv2DGeometry geometry);

    /// <summary>Gradients of <see cref="Conv2DForward"/> with respect to its input, weight and bias.</summary>
    void Conv2DBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient,
        FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace,
        int batch, in Conv2DGeometry geometry);

    /// <summary>Largest value of each window.</summary>
    void MaxPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry);

    /// <summary>Routes each window's gradient to its (first) largest input.</summary>
    void MaxPool2DBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry);

    /// <summary>Mean of each window's cells inside the input.</summary>
    void AvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry);

    /// <summary>Spreads each window's gradient evenly over its cells inside the input.</summary>
    void AvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry);

    /// <summary>Applies an activation to batch·features values; <see cref="Activation.Softmax"/> works row by row.</summary>
    void ActivationForward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output, int batch, int features);

    /// <summary>Gradient of <see cref="ActivationForward"/>, from its input, its output and the output's gradient.</summary>
    void ActivationBackward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output,
        FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int features);

    /// <summary>Inverted dropout: mask[i] = 0 with probability rate, else 1 / (1 − rate); output = input·mask. Same seed, same mask.</summary>
    void DropoutForward(FloatBuffer input, FloatBuffer output, FloatBuffer mask, float rate, ulong seed, int length);

    /// <summary>inputGradient = outputGradient·mask.</summary>
    void DropoutBackward(FloatBuffer mask, FloatBuffer outputGradient, FloatBuffer inputGradient, int length);

    // ---- Graphs: joins and splits --------------------------------------------------------------------------------

    /// <summary>output = a + b, element-wise over <paramref name="length"/> values (residual connections).</summary>
    void Add(FloatBuffer a, FloatBuffer b, FloatBuffer output, int length);

    /// <summary>output = factor·input, element-wise (Scale's forward, and its backward on the gradients).</summary>
    void Scale(FloatBuffer input, FloatBuffer output, float factor, int length);

    /// <summary>destination += source, element-wise: sums the gradients of a tensor read by several layers.</summary>
    void AddInPlace(FloatBuffer source, FloatBuffer destination, int length);

    /// <summary>
    /// Copies each sample's (inputChannels, spatial) block into channels [channelOffset, channelOffset + inputChannels)
    /// of the (outputChannels, spatial) output: one input of a concatenation along channels.
    /// </summary>
    void ConcatChannelsForward(FloatBuffer input, FloatBuffer output, int batch, int inputChannels, int outputChannels, int channelOffset, int spatial);

    /// <summary>The gradient of one concatenated input: channels [channelOffset, channelOffset + inputChannels) of the output gradient.</summary>
    void ConcatChannelsBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int inputChannels, int outputChannels, int channelOffset, int spatial);

    // ---- Normalization and global pooling --------------------------------------------------------------------------

    /// <summary>
    /// Batch normalisation over (batch, channels, spatial) values, per channel (spatial = 1 after a Dense layer).
    /// Training: normalises with the batch's mean and biased variance, stores them in <paramref name="savedMean"/> and
    /// <paramref name="savedInverseStd"/> (1/√(var + ε)) for the backward pass, and updates the running statistics Keras's way:
    /// running = momentum·running + (1 − momentum)·batch value (the running variance takes the unbiased batch variance,
    /// as PyTorch). Inference: normalises with the running statistics. Then y = gamma·x̂ + beta (gamma 1 / beta 0 when null).
    /// </summary>
    void BatchNormForward(FloatBuffer input, FloatBuffer? gamma, FloatBuffer? beta, FloatBuffer runningMean, FloatBuffer runningVariance,
        FloatBuffer output, FloatBuffer savedMean, FloatBuffer savedInverseStd,
        int batch, int channels, int spatial, float momentum, float epsilon, bool training);

    /// <summary>Gradient of a training-mode <see cref="BatchNormForward"/> with respect to its input, gamma and beta.</summary>
    void BatchNormBackward(FloatBuffer input, FloatBuffer? gamma, FloatBuffer savedMean, FloatBuffer savedInverseStd,
        FloatBuffer outputGradient, FloatBuffer inputGradient, FloatBuffer? gammaGradient, FloatBuffer? betaGradient,
        int batch, int channels, int spatial);

    /// <summary>Mean of each channel's spatial values: (batch, channels, spatial) → (batch, channels).</summary>
    void GlobalAvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, int channels, int spatial);

    /// <summary>Spreads each channel's gradient evenly over its spatial values.</summary>
    void GlobalAvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int channels, int spatial);

    /// <summary>Surrounds each (channels, inHeight, inWidth) sample with zeros: top/left given, bottom/right implied by outHeight/outWidth.</summary>
    void ZeroPadding2DForward(FloatBuffer input, FloatBuffer output, int batch, int channels, int inHeight, int inWidth,
        int padTop, int padLeft, int outHeight, int outWidth);

    /// <summary>The gradient of <see cref="ZeroPadding2DForward"/>: the output gradient cropped back to the input's size.</summary>
    void ZeroPadding2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int channels, int inHeight, int inWidth,
        int padTop, int padLeft, int outHeight, int outWidth);
}
