using System;

namespace Unroll;

/// <summary>
/// A backend that forwards every member to an inner backend, for decorators that record, time or check calls without
/// restating <see cref="IBackend"/>. Each operation calls <see cref="OnEnter"/> with its name (as <see cref="Supports"/>
/// takes it) and its arguments, then the inner backend, then <see cref="OnExit"/>; a new operation needs one method here.
/// </summary>
/// <remarks>
/// <para>Buffer plumbing forwards without hooks: <see cref="Allocate"/>, <see cref="Upload"/> and <see cref="Download"/>
/// (their spans cannot be passed as objects) and the <see cref="Conv2DWorkspaceLength"/> query. <see cref="Copy"/> is an
/// operation that generated code calls, so it has hooks. Every member is virtual: a decorator overrides the few it treats
/// differently (a profiler timing uploads, say).</para>
/// <para><see cref="OnExit"/> runs only when the operation returns. Value arguments are boxed for the hooks, so a
/// decorator costs a few small allocations per call: fine for tests and profiling, not for a production path.</para>
/// </remarks>
/// <example><code>
/// sealed class Counting(IBackend inner) : ForwardingBackend(inner)
/// {
///     public int Calls { get; private set; }
///     protected override void OnEnter(string operation, ReadOnlySpan&lt;object?&gt; arguments) => Calls++;
/// }
/// </code></example>
public abstract class ForwardingBackend : IBackend
{
    /// <summary>Wraps <paramref name="inner"/>.</summary>
    protected ForwardingBackend(IBackend inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>The backend that does the work.</summary>
    protected IBackend Inner { get; }

    /// <summary>Called before each operation with its name (<c>nameof(IBackend.DenseForward)</c>) and its arguments in order.</summary>
    protected virtual void OnEnter(string operation, params ReadOnlySpan<object?> arguments) { }

    /// <summary>Called after each operation returns.</summary>
    protected virtual void OnExit(string operation) { }

    /// <inheritdoc/>
    public virtual string Name => Inner.Name;

    /// <inheritdoc/>
    public virtual bool Supports(string operation) => Inner.Supports(operation);

    /// <inheritdoc/>
    public virtual FloatBuffer Allocate(int length) => Inner.Allocate(length);

    /// <inheritdoc/>
    public virtual void Upload(ReadOnlySpan<float> source, FloatBuffer destination, int offset = 0) => Inner.Upload(source, destination, offset);

    /// <inheritdoc/>
    public virtual void Download(FloatBuffer source, int offset, Span<float> destination) => Inner.Download(source, offset, destination);

    /// <inheritdoc/>
    public virtual int Conv2DWorkspaceLength(in Conv2DGeometry geometry, int capacity) => Inner.Conv2DWorkspaceLength(geometry, capacity);

    /// <inheritdoc/>
    public virtual void Copy(FloatBuffer source, FloatBuffer destination, int length)
    {
        OnEnter(nameof(Copy), source, destination, length);
        Inner.Copy(source, destination, length);
        OnExit(nameof(Copy));
    }

    // ---- Dense -------------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public virtual void DenseForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, int batch, in DenseGeometry geometry)
    {
        OnEnter(nameof(DenseForward), input, weight, bias, output, batch, geometry);
        Inner.DenseForward(input, weight, bias, output, batch, geometry);
        OnExit(nameof(DenseForward));
    }

    /// <inheritdoc/>
    public virtual void DenseBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        FloatBuffer weightGradient, FloatBuffer? biasGradient, int batch, in DenseGeometry geometry)
    {
        OnEnter(nameof(DenseBackward), input, weight, outputGradient, inputGradient, weightGradient, biasGradient, batch, geometry);
        Inner.DenseBackward(input, weight, outputGradient, inputGradient, weightGradient, biasGradient, batch, geometry);
        OnExit(nameof(DenseBackward));
    }

    // ---- Convolution ---------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public virtual void Conv2DForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace,
        int batch, in Conv2DGeometry geometry)
    {
        OnEnter(nameof(Conv2DForward), input, weight, bias, output, workspace, batch, geometry);
        Inner.Conv2DForward(input, weight, bias, output, workspace, batch, geometry);
        OnExit(nameof(Conv2DForward));
    }

    /// <inheritdoc/>
    public virtual void Conv2DBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace, int batch, in Conv2DGeometry geometry)
    {
        OnEnter(nameof(Conv2DBackward), input, weight, outputGradient, inputGradient, weightGradient, biasGradient, workspace, batch, geometry);
        Inner.Conv2DBackward(input, weight, outputGradient, inputGradient, weightGradient, biasGradient, workspace, batch, geometry);
        OnExit(nameof(Conv2DBackward));
    }

    /// <inheritdoc/>
    public virtual void Conv2DTransposeForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace,
        int batch, in Conv2DTransposeGeometry geometry)
    {
        OnEnter(nameof(Conv2DTransposeForward), input, weight, bias, output, workspace, batch, geometry);
        Inner.Conv2DTransposeForward(input, weight, bias, output, workspace, batch, geometry);
        OnExit(nameof(Conv2DTransposeForward));
    }

    /// <inheritdoc/>
    public virtual void Conv2DTransposeBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace, int batch, in Conv2DTransposeGeometry geometry)
    {
        OnEnter(nameof(Conv2DTransposeBackward), input, weight, outputGradient, inputGradient, weightGradient, biasGradient, workspace, batch, geometry);
        Inner.Conv2DTransposeBackward(input, weight, outputGradient, inputGradient, weightGradient, biasGradient, workspace, batch, geometry);
        OnExit(nameof(Conv2DTransposeBackward));
    }

    // ---- Pooling -------------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public virtual void MaxPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry)
    {
        OnEnter(nameof(MaxPool2DForward), input, output, batch, geometry);
        Inner.MaxPool2DForward(input, output, batch, geometry);
        OnExit(nameof(MaxPool2DForward));
    }

    /// <inheritdoc/>
    public virtual void MaxPool2DBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry)
    {
        OnEnter(nameof(MaxPool2DBackward), input, outputGradient, inputGradient, batch, geometry);
        Inner.MaxPool2DBackward(input, outputGradient, inputGradient, batch, geometry);
        OnExit(nameof(MaxPool2DBackward));
    }

    /// <inheritdoc/>
    public virtual void AvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry)
    {
        OnEnter(nameof(AvgPool2DForward), input, output, batch, geometry);
        Inner.AvgPool2DForward(input, output, batch, geometry);
        OnExit(nameof(AvgPool2DForward));
    }

    /// <inheritdoc/>
    public virtual void AvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry)
    {
        OnEnter(nameof(AvgPool2DBackward), outputGradient, inputGradient, batch, geometry);
        Inner.AvgPool2DBackward(outputGradient, inputGradient, batch, geometry);
        OnExit(nameof(AvgPool2DBackward));
    }

    /// <inheritdoc/>
    public virtual void GlobalAvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in GlobalPool2DGeometry geometry)
    {
        OnEnter(nameof(GlobalAvgPool2DForward), input, output, batch, geometry);
        Inner.GlobalAvgPool2DForward(input, output, batch, geometry);
        OnExit(nameof(GlobalAvgPool2DForward));
    }

    /// <inheritdoc/>
    public virtual void GlobalAvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in GlobalPool2DGeometry geometry)
    {
        OnEnter(nameof(GlobalAvgPool2DBackward), outputGradient, inputGradient, batch, geometry);
        Inner.GlobalAvgPool2DBackward(outputGradient, inputGradient, batch, geometry);
        OnExit(nameof(GlobalAvgPool2DBackward));
    }

    // ---- Activations and dropout ---------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public virtual void ActivationForward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output, int batch, int features)
    {
        OnEnter(nameof(ActivationForward), activation, alpha, input, output, batch, features);
        Inner.ActivationForward(activation, alpha, input, output, batch, features);
        OnExit(nameof(ActivationForward));
    }

    /// <inheritdoc/>
    public virtual void ActivationBackward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output,
        FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int features)
    {
        OnEnter(nameof(ActivationBackward), activation, alpha, input, output, outputGradient, inputGradient, batch, features);
        Inner.ActivationBackward(activation, alpha, input, output, outputGradient, inputGradient, batch, features);
        OnExit(nameof(ActivationBackward));
    }

    /// <inheritdoc/>
    public virtual void DropoutForward(FloatBuffer input, FloatBuffer output, FloatBuffer mask, float rate, ulong seed, int length)
    {
        OnEnter(nameof(DropoutForward), input, output, mask, rate, seed, length);
        Inner.DropoutForward(input, output, mask, rate, seed, length);
        OnExit(nameof(DropoutForward));
    }

    /// <inheritdoc/>
    public virtual void DropoutBackward(FloatBuffer mask, FloatBuffer outputGradient, FloatBuffer inputGradient, int length)
    {
        OnEnter(nameof(DropoutBackward), mask, outputGradient, inputGradient, length);
        Inner.DropoutBackward(mask, outputGradient, inputGradient, length);
        OnExit(nameof(DropoutBackward));
    }

    // ---- Normalization -------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public virtual void BatchNormForward(FloatBuffer input, FloatBuffer output, in BatchNormBuffers buffers, int batch, in BatchNormGeometry geometry, bool training)
    {
        OnEnter(nameof(BatchNormForward), input, output, buffers, batch, geometry, training);
        Inner.BatchNormForward(input, output, buffers, batch, geometry, training);
        OnExit(nameof(BatchNormForward));
    }

    /// <inheritdoc/>
    public virtual void BatchNormBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient,
        FloatBuffer? gammaGradient, FloatBuffer? betaGradient, in BatchNormBuffers buffers, int batch, in BatchNormGeometry geometry)
    {
        OnEnter(nameof(BatchNormBackward), input, outputGradient, inputGradient, gammaGradient, betaGradient, buffers, batch, geometry);
        Inner.BatchNormBackward(input, outputGradient, inputGradient, gammaGradient, betaGradient, buffers, batch, geometry);
        OnExit(nameof(BatchNormBackward));
    }

    // ---- Element-wise --------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public virtual void Add(FloatBuffer a, FloatBuffer b, FloatBuffer output, int length)
    {
        OnEnter(nameof(Add), a, b, output, length);
        Inner.Add(a, b, output, length);
        OnExit(nameof(Add));
    }

    /// <inheritdoc/>
    public virtual void Scale(FloatBuffer input, FloatBuffer output, float factor, int length)
    {
        OnEnter(nameof(Scale), input, output, factor, length);
        Inner.Scale(input, output, factor, length);
        OnExit(nameof(Scale));
    }

    /// <inheritdoc/>
    public virtual void AddInPlace(FloatBuffer source, FloatBuffer destination, int length)
    {
        OnEnter(nameof(AddInPlace), source, destination, length);
        Inner.AddInPlace(source, destination, length);
        OnExit(nameof(AddInPlace));
    }

    // ---- Merging and reshaping -----------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public virtual void ConcatChannelsForward(FloatBuffer input, FloatBuffer output, int batch, in ConcatGeometry geometry)
    {
        OnEnter(nameof(ConcatChannelsForward), input, output, batch, geometry);
        Inner.ConcatChannelsForward(input, output, batch, geometry);
        OnExit(nameof(ConcatChannelsForward));
    }

    /// <inheritdoc/>
    public virtual void ConcatChannelsBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in ConcatGeometry geometry)
    {
        OnEnter(nameof(ConcatChannelsBackward), outputGradient, inputGradient, batch, geometry);
        Inner.ConcatChannelsBackward(outputGradient, inputGradient, batch, geometry);
        OnExit(nameof(ConcatChannelsBackward));
    }

    /// <inheritdoc/>
    public virtual void ZeroPadding2DForward(FloatBuffer input, FloatBuffer output, int batch, in Padding2DGeometry geometry)
    {
        OnEnter(nameof(ZeroPadding2DForward), input, output, batch, geometry);
        Inner.ZeroPadding2DForward(input, output, batch, geometry);
        OnExit(nameof(ZeroPadding2DForward));
    }

    /// <inheritdoc/>
    public virtual void ZeroPadding2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Padding2DGeometry geometry)
    {
        OnEnter(nameof(ZeroPadding2DBackward), outputGradient, inputGradient, batch, geometry);
        Inner.ZeroPadding2DBackward(outputGradient, inputGradient, batch, geometry);
        OnExit(nameof(ZeroPadding2DBackward));
    }

    /// <inheritdoc/>
    public virtual void UpSampling2DForward(FloatBuffer input, FloatBuffer output, int batch, in UpSampling2DGeometry geometry)
    {
        OnEnter(nameof(UpSampling2DForward), input, output, batch, geometry);
        Inner.UpSampling2DForward(input, output, batch, geometry);
        OnExit(nameof(UpSampling2DForward));
    }

    /// <inheritdoc/>
    public virtual void UpSampling2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in UpSampling2DGeometry geometry)
    {
        OnEnter(nameof(UpSampling2DBackward), outputGradient, inputGradient, batch, geometry);
        Inner.UpSampling2DBackward(outputGradient, inputGradient, batch, geometry);
        OnExit(nameof(UpSampling2DBackward));
    }

    // ---- Recurrent ---------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public virtual void RecurrentForward(FloatBuffer input, FloatBuffer output, in RecurrentBuffers buffers, int batch, in RecurrentGeometry geometry)
    {
        OnEnter(nameof(RecurrentForward), input, output, buffers, batch, geometry);
        Inner.RecurrentForward(input, output, buffers, batch, geometry);
        OnExit(nameof(RecurrentForward));
    }

    /// <inheritdoc/>
    public virtual void RecurrentBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        in RecurrentBuffers buffers, in RecurrentGradients gradients, int batch, in RecurrentGeometry geometry)
    {
        OnEnter(nameof(RecurrentBackward), input, outputGradient, inputGradient, buffers, gradients, batch, geometry);
        Inner.RecurrentBackward(input, outputGradient, inputGradient, buffers, gradients, batch, geometry);
        OnExit(nameof(RecurrentBackward));
    }

    // ---- Optimizers --------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public virtual void OptimizerUpdate(in OptimizerStep step, FloatBuffer value, FloatBuffer gradient, FloatBuffer? state0, FloatBuffer? state1, int length)
    {
        OnEnter(nameof(OptimizerUpdate), step, value, gradient, state0, state1, length);
        Inner.OptimizerUpdate(step, value, gradient, state0, state1, length);
        OnExit(nameof(OptimizerUpdate));
    }

    // ---- Losses ------------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public virtual void LossForward(Loss loss, bool logits, FloatBuffer prediction, FloatBuffer target, FloatBuffer gradient, float gradientScale,
        FloatBuffer result, int slot, int batch, int size)
    {
        OnEnter(nameof(LossForward), loss, logits, prediction, target, gradient, gradientScale, result, slot, batch, size);
        Inner.LossForward(loss, logits, prediction, target, gradient, gradientScale, result, slot, batch, size);
        OnExit(nameof(LossForward));
    }

    /// <inheritdoc/>
    public virtual void CountCorrect(FloatBuffer prediction, FloatBuffer labels, FloatBuffer result, int slot, int batch, int size, float threshold)
    {
        OnEnter(nameof(CountCorrect), prediction, labels, result, slot, batch, size, threshold);
        Inner.CountCorrect(prediction, labels, result, slot, batch, size, threshold);
        OnExit(nameof(CountCorrect));
    }
}
