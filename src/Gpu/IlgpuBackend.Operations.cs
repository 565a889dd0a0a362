using System;
using ILGPU;
using ILGPU.Runtime;

namespace Unroll;

// The operations: checks as the CPU backend makes them, then a launch on the accelerator's stream (kernels are loaded on
// first use and kept). Launches are ordered on the stream; Download waits for them.
public sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs>? _gemm;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int>? _columnSums;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _add, _multiply;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, float>? _scale;
    private Action<Index1D, ArrayView<float>, ArrayView<float>>? _addInPlace;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, float>? _activate;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>? _activateBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int>? _softmax, _globalAverage, _globalAverageBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? _softmaxBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ulong, uint, float>? _dropout;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ConcatGeometry>? _concat, _concatBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, Padding2DGeometry>? _pad, _padBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, UpSampling2DGeometry>? _upSample, _upSampleBackward;

    /// <summary>C = alpha·op(A)·op(B) + beta·C (+ bias per column), on whole buffers.</summary>
    private void Gemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, in GemmArgs g)
    {
        if (g.M == 0 || g.N == 0) return;
        _gemm ??= Tile == 16
            ? _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs>(IlgpuKernels.Gemm16)
            : _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs>(IlgpuKernels.Gemm4);
        var groups = new Index2D((g.N + Tile - 1) / Tile, (g.M + Tile - 1) / Tile);
        _gemm(new KernelConfig(groups, new Index2D(Tile, Tile)), a, b, c, bias, g);
    }

    /// <inheritdoc/>
    public void DenseForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, int batch, in DenseGeometry geometry)
    {
        const string op = nameof(DenseForward);
        var (inputs, units) = (geometry.Inputs, geometry.Units);
        var x = Need(input, nameof(input), batch, inputs, op);
        var w = Need(weight, nameof(weight), units, inputs, op);
        var y = Need(output, nameof(output), batch, units, op);
        var b = bias is null ? y : Need(bias, nameof(bias), 1, units, op);
        lock (_gate) Gemm(x, w, y, b, new GemmArgs(batch, units, inputs, inputs, inputs, units, 0, 1, 1f, 0f, bias is null ? 0 : 1));
    }

    /// <inheritdoc/>
    public void DenseBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient,
        FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient, int batch, in DenseGeometry geometry)
    {
        const string op = nameof(DenseBackward);
        var (inputs, units) = (geometry.Inputs, geometry.Units);
        var x = Need(input, nameof(input), batch, inputs, op);
        var w = Need(weight, nameof(weight), units, inputs, op);
        var dy = Need(outputGradient, nameof(outputGradient), batch, units, op);
        var dx = NeedOptional(inputGradient, nameof(inputGradient), batch, inputs, op);
        var dw = Need(weightGradient, nameof(weightGradient), units, inputs, op);
        var db = NeedOptional(biasGradient, nameof(biasGradient), 1, units, op);
        lock (_gate)
        {
            // dW = dyᵀ·x, dx = dy·W, dbias = Σ_b dy.
            Gemm(dy, x, dw, dw, new GemmArgs(units, inputs, batch, units, inputs, inputs, 1, 0, 1f, 0f, 0));
            if (inputGradient is not null) Gemm(dy, w, dx, dx, new GemmArgs(batch, inputs, units, units, inputs, inputs, 0, 0, 1f, 0f, 0));
            if (biasGradient is not null && units > 0)
            {
                ColumnSums(dy, db, batch, units);
            }
        }
    }

    /// <summary>sums[j] = Σ over rows of x[row·columns + j], rows in order.</summary>
    private void ColumnSums(ArrayView<float> x, ArrayView<float> sums, int rows, int columns)
    {
        _columnSums ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(IlgpuKernels.ColumnSums);
        _columnSums(columns, x, sums, rows, columns);
    }

    /// <inheritdoc/>
    public void Add(FloatBuffer a, FloatBuffer b, FloatBuffer output, int length)
    {
        var x = Need(a, nameof(a), 1, length, nameof(Add));
        var y = Need(b, nameof(b), 1, length, nameof(Add));
        var z = Need(output, nameof(output), 1, length, nameof(Add));
        if (length == 0) return;
        lock (_gate)
        {
            _add ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(IlgpuKernels.Add);
            _add(length, x, y, z);
        }
    }

    /// <inheritdoc/>
    public void Scale(FloatBuffer input, FloatBuffer output, float factor, int length)
    {
        var x = Need(input, nameof(input), 1, length, nameof(Scale));
        var y = Need(output, nameof(output), 1, length, nameof(Scale));
        if (length == 0) return;
        lock (_gate)
        {
            _scale ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(IlgpuKernels.Scale);
            _scale(length, x, y, factor);
        }
    }

    /// <inheritdoc/>
    public void AddInPlace(FloatBuffer source, FloatBuffer destination, int length)
    {
        var s = Need(source, nameof(source), 1, length, nameof(AddInPlace));
        var d = Need(destination, nameof(destination), 1, length, nameof(AddInPlace));
        if (length == 0) return;
        lock (_gate)
        {
            _addInPlace ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(IlgpuKernels.AddInPlace);
            _addInPlace(length, s, d);
        }
    }

    /// <inheritdoc/>
    public void ActivationForward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output, int batch, int features)
    {
        const string op = nameof(ActivationForward);
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        var x = Need(input, nameof(input), batch, features, op);
        var y = Need(output, nameof(output), batch, features, op);
        if (batch * features == 0) return;
        lock (_gate)
        {
            if (activation == Activation.Softmax)
            {
                _softmax ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(IlgpuKernels.Softmax);
                _softmax(batch, x, y, features);
            }
            else
            {
                _activate ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, float>(IlgpuKernels.Activate);
                _activate(batch * features, x, y, (int)activation, alpha);
            }
        }
    }

    /// <inheritdoc/>
    public void ActivationBackward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output,
        FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int features)
    {
        const string op = nameof(ActivationBackward);
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        // As on the CPU: only the operands the derivative reads are checked (others may be unallocated stand-ins).
        bool needsInput = activation is Activation.Relu or Activation.LeakyRelu or Activation.Elu;
        bool needsOutput = activation is Activation.Elu or Activation.Sigmoid or Activation.Tanh or Activation.Softmax;
        var dy = Need(outputGradient, nameof(outputGradient), batch, features, op);
        var dx = Need(inputGradient, nameof(inputGradient), batch, features, op);
        var x = needsInput ? Need(input, nameof(input), batch, features, op) : dy;
        var y = needsOutput ? Need(output, nameof(output), batch, features, op) : dy;
        if (batch * features == 0) return;
        lock (_gate)
        {
            if (activation == Activation.Softmax)
            {
                _softmaxBackward ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(IlgpuKernels.SoftmaxBackward);
                _softmaxBackward(batch, y, dy, dx, features);
            }
            else
            {
                _activateBackward ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(IlgpuKernels.ActivateBackward);
                _activateBackward(batch * features, x, y, dy, dx, (int)activation, alpha);
            }
        }
    }

    /// <inheritdoc/>
    public void DropoutForward(FloatBuffer input, FloatBuffer output, FloatBuffer mask, float rate, ulong seed, int length)
    {
        const string op = nameof(DropoutForward);
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout rate must be in [0, 1).");
        var x = Need(input, nameof(input), 1, length, op);
        var y = Need(output, nameof(output), 1, length, op);
        var m = Need(mask, nameof(mask), 1, length, op);
        if (length == 0) return;
        // Rate 0 keeps every value at scale 1 (threshold 0); otherwise the CPU backend's threshold and scale.
        uint threshold = (uint)Math.Round(rate * (double)(1 << 24));
        float keep = 1f / (1f - rate);
        lock (_gate)
        {
            _dropout ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ulong, uint, float>(IlgpuKernels.Dropout);
            _dropout(length, x, y, m, seed, threshold, keep);
        }
    }

    /// <inheritdoc/>
    public void DropoutBackward(FloatBuffer mask, FloatBuffer outputGradient, FloatBuffer inputGradient, int length)
    {
        const string op = nameof(DropoutBackward);
        var m = Need(mask, nameof(mask), 1, length, op);
        var dy = Need(outputGradient, nameof(outputGradient), 1, length, op);
        var dx = Need(inputGradient, nameof(inputGradient), 1, length, op);
        if (length == 0) return;
        lock (_gate)
        {
            _multiply ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(IlgpuKernels.Multiply);
            _multiply(length, dy, m, dx);
        }
    }

    /// <inheritdoc/>
    public void ConcatChannelsForward(FloatBuffer input, FloatBuffer output, int batch, in ConcatGeometry geometry)
    {
        const string op = nameof(ConcatChannelsForward);
        CheckConcat(geometry, op);
        var x = Need(input, nameof(input), batch, (long)geometry.InputChannels * geometry.Spatial, op);
        var y = Need(output, nameof(output), batch, (long)geometry.OutputChannels * geometry.Spatial, op);
        int length = batch * geometry.InputChannels * geometry.Spatial;
        if (length == 0) return;
        lock (_gate)
        {
            _concat ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ConcatGeometry>(IlgpuKernels.ConcatForward);
            _concat(length, x, y, geometry);
        }
    }

    /// <inheritdoc/>
    public void ConcatChannelsBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in ConcatGeometry geometry)
    {
        const string op = nameof(ConcatChannelsBackward);
        CheckConcat(geometry, op);
        var dy = Need(outputGradient, nameof(outputGradient), batch, (long)geometry.OutputChannels * geometry.Spatial, op);
        var dx = Need(inputGradient, nameof(inputGradient), batch, (long)geometry.InputChannels * geometry.Spatial, op);
        int length = batch * geometry.InputChannels * geometry.Spatial;
        if (length == 0) return;
        lock (_gate)
        {
            _concatBackward ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ConcatGeometry>(IlgpuKernels.ConcatBackward);
            _concatBackward(length, dy, dx, geometry);
        }
    }

    private static void CheckConcat(in ConcatGeometry g, string op)
    {
        if (g.InputChannels < 0 || g.Spatial < 0 || g.ChannelOffset < 0 || (long)g.ChannelOffset + g.InputChannels > g.OutputChannels)
            throw new ArgumentException($"{op}: channels [{g.ChannelOffset}, {(long)g.ChannelOffset + g.InputChannels}) do not fit in {g.OutputChannels}.");
    }

    /// <inheritdoc/>
    public void ZeroPadding2DForward(FloatBuffer input, FloatBuffer output, int batch, in Padding2DGeometry geometry)
    {
        const string op = nameof(ZeroPadding2DForward);
        CheckPadding(geometry, op);
        var x = Need(input, nameof(input), batch, geometry.InputSize, op);
        var y = Need(output, nameof(output), batch, geometry.OutputSize, op);
        if (batch * geometry.OutputSize == 0) return;
        lock (_gate)
        {
            _pad ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, Padding2DGeometry>(IlgpuKernels.PadForward);
            _pad(batch * geometry.OutputSize, x, y, geometry);
        }
    }

    /// <inheritdoc/>
    public void ZeroPadding2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Padding2DGeometry geometry)
    {
        const string op = nameof(ZeroPadding2DBackward);
        CheckPadding(geometry, op);
        var dy = Need(outputGradient, nameof(outputGradient), batch, geometry.OutputSize, op);
        var dx = Need(inputGradient, nameof(inputGradient), batch, geometry.InputSize, op);
        if (batch * geometry.InputSize == 0) return;
        lock (_gate)
        {
            _padBackward ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, Padding2DGeometry>(IlgpuKernels.PadBackward);
            _padBackward(batch * geometry.InputSize, dy, dx, geometry);
        }
    }

    private static void CheckPadding(in Padding2DGeometry g, string op)
    {
        if (g.PadTop < 0 || g.PadLeft < 0 || g.PadTop + g.InHeight > g.OutHeight || g.PadLeft + g.InWidth > g.OutWidth)
            throw new ArgumentException($"{op}: a {g.InHeight}×{g.InWidth} input at ({g.PadTop}, {g.PadLeft}) does not fit in {g.OutHeight}×{g.OutWidth}.");
    }

    /// <inheritdoc/>
    public void UpSampling2DForward(FloatBuffer input, FloatBuffer output, int batch, in UpSampling2DGeometry geometry)
    {
        const string op = nameof(UpSampling2DForward);
        CheckUpSampling(geometry, op);
        var x = Need(input, nameof(input), batch, geometry.InputSize, op);
        var y = Need(output, nameof(output), batch, geometry.OutputSize, op);
        if (batch * geometry.OutputSize == 0) return;
        lock (_gate)
        {
            _upSample ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, UpSampling2DGeometry>(IlgpuKernels.UpSample);
            _upSample(batch * geometry.OutputSize, x, y, geometry);
        }
    }

    /// <inheritdoc/>
    public void UpSampling2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in UpSampling2DGeometry geometry)
    {
        const string op = nameof(UpSampling2DBackward);
        CheckUpSampling(geometry, op);
        var dy = Need(outputGradient, nameof(outputGradient), batch, geometry.OutputSize, op);
        var dx = Need(inputGradient, nameof(inputGradient), batch, geometry.InputSize, op);
        if (batch * geometry.InputSize == 0) return;
        lock (_gate)
        {
            _upSampleBackward ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, UpSampling2DGeometry>(IlgpuKernels.UpSampleBackward);
            _upSampleBackward(batch * geometry.InputSize, dy, dx, geometry);
        }
    }

    private static void CheckUpSampling(in UpSampling2DGeometry g, string op)
    {
        if (g.FactorHeight < 1 || g.FactorWidth < 1 || g.Channels < 0 || g.InHeight < 0 || g.InWidth < 0)
            throw new ArgumentException($"{op}: factors {g.FactorHeight}×{g.FactorWidth} must be at least 1.");
    }

    /// <inheritdoc/>
    public void GlobalAvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in GlobalPool2DGeometry geometry)
    {
        const string op = nameof(GlobalAvgPool2DForward);
        if (geometry.Spatial <= 0) throw new ArgumentOutOfRangeException(nameof(geometry), $"{op}: spatial must be positive, got {geometry.Spatial}.");
        var x = Need(input, nameof(input), batch, (long)geometry.Channels * geometry.Spatial, op);
        var y = Need(output, nameof(output), batch, geometry.Channels, op);
        if (batch * geometry.Channels == 0) return;
        lock (_gate)
        {
            _globalAverage ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(IlgpuKernels.GlobalAverage);
            _globalAverage(batch * geometry.Channels, x, y, geometry.Spatial);
        }
    }

    /// <inheritdoc/>
    public void GlobalAvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in GlobalPool2DGeometry geometry)
    {
        const string op = nameof(GlobalAvgPool2DBackward);
        if (geometry.Spatial <= 0) throw new ArgumentOutOfRangeException(nameof(geometry), $"{op}: spatial must be positive, got {geometry.Spatial}.");
        var dy = Need(outputGradient, nameof(outputGradient), batch, geometry.Channels, op);
        var dx = Need(inputGradient, nameof(inputGradient), batch, (long)geometry.Channels * geometry.Spatial, op);
        if (batch * geometry.Channels == 0) return;
        lock (_gate)
        {
            _globalAverageBackward ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(IlgpuKernels.GlobalAverageBackward);
            _globalAverageBackward(batch * geometry.Channels * geometry.Spatial, dy, dx, geometry.Spatial);
        }
    }

    // ---- Convolutions, pooling and batch normalisation.

    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2DGeometry, int>? _convForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2DGeometry>? _convBackwardInput;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2DGeometry, int>? _convBackwardWeight;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? _channelSums;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int>? _addChannelBias;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, Pool2DGeometry, int>? _pool;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Pool2DGeometry, int>? _poolBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormGeometry, int>? _batchStatistics;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormGeometry, int, int, int>? _batchNormalize;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormGeometry, int>? _batchNormSums;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormGeometry, int, int>? _batchNormBackward;
    // Scratch for reductions (batch norm's Σdy and Σdy·x̂ per channel, a loss's per-sample sums), grown to the largest
    // use, so allocated once, not per call.
    private MemoryBuffer1D<float, Stride1D.Dense>? _sums;

    /// <summary>The scratch, at least <paramref name="length"/> values; the caller holds the gate.</summary>
    private ArrayView<float> Scratch(int length)
    {
        if (_sums is null || _sums.Length < length)
        {
            _sums?.Dispose();
            _sums = _accelerator.Allocate1D<float>(Math.Max(length, 1));
        }
        return _sums.View;
    }

    /// <inheritdoc/>
    public int Conv2DWorkspaceLength(in Conv2DGeometry geometry, int capacity)
    {
        CheckConv(geometry, nameof(Conv2DWorkspaceLength));
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        return 0; // the kernels read the input in place
    }

    private static void CheckConv(in Conv2DGeometry g, string op)
    {
        if (g.Groups < 1 || g.InChannels % g.Groups != 0 || g.OutChannels % g.Groups != 0 || g.KernelHeight < 1 || g.KernelWidth < 1
            || g.StrideHeight < 1 || g.StrideWidth < 1 || g.InChannels < 1 || g.OutChannels < 1 || g.OutHeight < 0 || g.OutWidth < 0)
            throw new ArgumentException($"{op}: {g} is not a valid convolution (channels must divide into {g.Groups} groups; kernel and stride at least 1).");
    }

    /// <inheritdoc/>
    public void Conv2DForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace, int batch, in Conv2DGeometry geometry)
    {
        const string op = nameof(Conv2DForward);
        CheckConv(geometry, op);
        var x = Need(input, nameof(input), batch, geometry.InputSize, op);
        var w = Need(weight, nameof(weight), 1, geometry.WeightSize, op);
        var y = Need(output, nameof(output), batch, geometry.OutputSize, op);
        var b = bias is null ? y : Need(bias, nameof(bias), 1, geometry.OutChannels, op);
        lock (_gate) ConvForward(x, w, b, y, batch, geometry, bias is not null);
    }

    private void ConvForward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, int batch, in Conv2DGeometry g, bool hasBias)
    {
        if (batch * g.OutputSize == 0) return;
        _convForward ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2DGeometry, int>(IlgpuKernels.ConvForward);
        _convForward(batch * g.OutputSize, x, w, bias, y, g, hasBias ? 1 : 0);
    }

    private void ConvBackwardInput(ArrayView<float> w, ArrayView<float> dy, ArrayView<float> dx, int batch, in Conv2DGeometry g)
    {
        if (batch * g.InputSize == 0) return;
        _convBackwardInput ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2DGeometry>(IlgpuKernels.ConvBackwardInput);
        _convBackwardInput(batch * g.InputSize, w, dy, dx, g);
    }

    private void ConvBackwardWeight(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, int batch, in Conv2DGeometry g)
    {
        _convBackwardWeight ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2DGeometry, int>(IlgpuKernels.ConvBackwardWeight);
        _convBackwardWeight(g.WeightSize, x, dy, dw, g, batch);
    }

    private void ChannelSums(ArrayView<float> dy, ArrayView<float> sums, int batch, int channels, int spatial)
    {
        _channelSums ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(IlgpuKernels.ChannelSums);
        _channelSums(channels, dy, sums, batch, channels, spatial);
    }

    /// <inheritdoc/>
    public void Conv2DBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient, FloatBuffer weightGradient,
        FloatBuffer? biasGradient, FloatBuffer workspace, int batch, in Conv2DGeometry geometry)
    {
        const string op = nameof(Conv2DBackward);
        CheckConv(geometry, op);
        var x = Need(input, nameof(input), batch, geometry.InputSize, op);
        var w = Need(weight, nameof(weight), 1, geometry.WeightSize, op);
        var dy = Need(outputGradient, nameof(outputGradient), batch, geometry.OutputSize, op);
        var dx = NeedOptional(inputGradient, nameof(inputGradient), batch, geometry.InputSize, op);
        var dw = Need(weightGradient, nameof(weightGradient), 1, geometry.WeightSize, op);
        var db = NeedOptional(biasGradient, nameof(biasGradient), 1, geometry.OutChannels, op);
        lock (_gate)
        {
            ConvBackwardWeight(x, dy, dw, batch, geometry);
            if (inputGradient is not null) ConvBackwardInput(w, dy, dx, batch, geometry);
            if (biasGradient is not null) ChannelSums(dy, db, batch, geometry.OutChannels, geometry.OutHeight * geometry.OutWidth);
        }
    }

    // A transposed convolution is the input gradient of geometry.Convolution, whose weight tensor is the same values.

    /// <inheritdoc/>
    public void Conv2DTransposeForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace, int batch,
        in Conv2DTransposeGeometry geometry)
    {
        const string op = nameof(Conv2DTransposeForward);
        var convolution = geometry.Convolution;
        CheckConv(convolution, op);
        var x = Need(input, nameof(input), batch, geometry.InputSize, op);
        var w = Need(weight, nameof(weight), 1, geometry.WeightSize, op);
        var y = Need(output, nameof(output), batch, geometry.OutputSize, op);
        var b = NeedOptional(bias, nameof(bias), 1, geometry.OutChannels, op);
        lock (_gate)
        {
            ConvBackwardInput(w, x, y, batch, convolution);
            if (bias is not null && batch * geometry.OutputSize > 0)
            {
                _addChannelBias ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(IlgpuKernels.AddChannelBias);
                _addChannelBias(batch * geometry.OutputSize, y, b, geometry.OutChannels, geometry.OutHeight * geometry.OutWidth);
            }
        }
    }

    /// <inheritdoc/>
    public void Conv2DTransposeBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace, int batch, in Conv2DTransposeGeometry geometry)
    {
        const string op = nameof(Conv2DTransposeBackward);
        var convolution = geometry.Convolution;
        CheckConv(convolution, op);
        var x = Need(input, nameof(input), batch, geometry.InputSize, op);
        var w = Need(weight, nameof(weight), 1, geometry.WeightSize, op);
        var dy = Need(outputGradient, nameof(outputGradient), batch, geometry.OutputSize, op);
        var dx = NeedOptional(inputGradient, nameof(inputGradient), batch, geometry.InputSize, op);
        var dw = Need(weightGradient, nameof(weightGradient), 1, geometry.WeightSize, op);
        var db = NeedOptional(biasGradient, nameof(biasGradient), 1, geometry.OutChannels, op);
        lock (_gate)
        {
            // The convolution reads this layer's output gradient as its input and this layer's input as its output gradient.
            ConvBackwardWeight(dy, x, dw, batch, convolution);
            if (inputGradient is not null) ConvForward(dy, w, dx, dx, batch, convolution, hasBias: false);
            if (biasGradient is not null) ChannelSums(dy, db, batch, geometry.OutChannels, geometry.OutHeight * geometry.OutWidth);
        }
    }

    private static void CheckPool(in Pool2DGeometry g, string op)
    {
        if (g.WindowHeight < 1 || g.WindowWidth < 1 || g.StrideHeight < 1 || g.StrideWidth < 1 || g.PadTop < 0 || g.PadLeft < 0)
            throw new ArgumentException($"{op}: {g} is not a valid pooling window (window and stride at least 1, padding not negative).");
    }

    private void Pool(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry, int mode, string op)
    {
        CheckPool(geometry, op);
        var x = Need(input, nameof(input), batch, geometry.InputSize, op);
        var y = Need(output, nameof(output), batch, geometry.OutputSize, op);
        if (batch * geometry.OutputSize == 0) return;
        lock (_gate)
        {
            _pool ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, Pool2DGeometry, int>(IlgpuKernels.Pool);
            _pool(batch * geometry.OutputSize, x, y, geometry, mode);
        }
    }

    private void PoolBackward(FloatBuffer? input, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry, int mode, string op)
    {
        CheckPool(geometry, op);
        var dy = Need(outputGradient, nameof(outputGradient), batch, geometry.OutputSize, op);
        var dx = Need(inputGradient, nameof(inputGradient), batch, geometry.InputSize, op);
        var x = input is null ? dx : Need(input, nameof(input), batch, geometry.InputSize, op);
        if (batch * geometry.InputSize == 0) return;
        lock (_gate)
        {
            _poolBackward ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Pool2DGeometry, int>(IlgpuKernels.PoolBackward);
            _poolBackward(batch * geometry.InputSize, x, dy, dx, geometry, mode);
        }
    }

    /// <inheritdoc/>
    public void MaxPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry)
        => Pool(input, output, batch, geometry, 0, nameof(MaxPool2DForward));

    /// <inheritdoc/>
    public void MaxPool2DBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry)
        => PoolBackward(input, outputGradient, inputGradient, batch, geometry, 0, nameof(MaxPool2DBackward));

    /// <inheritdoc/>
    public void AvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry)
        => Pool(input, output, batch, geometry, 1, nameof(AvgPool2DForward));

    /// <inheritdoc/>
    public void AvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry)
        => PoolBackward(null, outputGradient, inputGradient, batch, geometry, 1, nameof(AvgPool2DBackward));

    /// <inheritdoc/>
    public void BatchNormForward(FloatBuffer input, FloatBuffer output, in BatchNormBuffers buffers, int batch, in BatchNormGeometry geometry, bool training)
    {
        const string op = nameof(BatchNormForward);
        if (geometry.Channels < 1 || geometry.Spatial < 1) throw new ArgumentException($"{op}: {geometry} needs at least one channel and one value a channel.");
        if (training && batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), $"{op}: training needs at least one sample.");
        int channels = geometry.Channels;
        var x = Need(input, nameof(input), batch, geometry.Size, op);
        var y = Need(output, nameof(output), batch, geometry.Size, op);
        var gamma = NeedOptional(buffers.Gamma, "gamma", 1, channels, op);
        var beta = NeedOptional(buffers.Beta, "beta", 1, channels, op);
        var runningMean = Need(buffers.RunningMean, "runningMean", 1, channels, op);
        var runningVariance = Need(buffers.RunningVariance, "runningVariance", 1, channels, op);
        var savedMean = Need(buffers.SavedMean, "savedMean", 1, channels, op);
        var savedInverseStd = Need(buffers.SavedInverseStd, "savedInverseStd", 1, channels, op);
        if (batch == 0) return;
        lock (_gate)
        {
            var shift = Scratch(2 * channels);
            if (training)
            {
                _batchStatistics ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormGeometry, int>(IlgpuKernels.BatchStatistics);
                _batchStatistics(channels, x, runningMean, runningVariance, savedMean, savedInverseStd, shift, geometry, batch);
            }
            _batchNormalize ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormGeometry, int, int, int>(IlgpuKernels.BatchNormalize);
            _batchNormalize(batch * geometry.Size, x, y, training ? savedMean : runningMean, training ? savedInverseStd : runningVariance, shift,
                buffers.Gamma is null ? y : gamma, buffers.Beta is null ? y : beta, geometry, training ? 1 : 0, buffers.Gamma is null ? 0 : 1, buffers.Beta is null ? 0 : 1);
        }
    }

    /// <inheritdoc/>
    public void BatchNormBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient, FloatBuffer? gammaGradient,
        FloatBuffer? betaGradient, in BatchNormBuffers buffers, int batch, in BatchNormGeometry geometry)
    {
        const string op = nameof(BatchNormBackward);
        if (geometry.Channels < 1 || geometry.Spatial < 1) throw new ArgumentException($"{op}: {geometry} needs at least one channel and one value a channel.");
        int channels = geometry.Channels;
        var x = Need(input, nameof(input), batch, geometry.Size, op);
        var dy = Need(outputGradient, nameof(outputGradient), batch, geometry.Size, op);
        var dx = Need(inputGradient, nameof(inputGradient), batch, geometry.Size, op);
        var dgamma = NeedOptional(gammaGradient, nameof(gammaGradient), 1, channels, op);
        var dbeta = NeedOptional(betaGradient, nameof(betaGradient), 1, channels, op);
        var gamma = NeedOptional(buffers.Gamma, "gamma", 1, channels, op);
        var savedMean = Need(buffers.SavedMean, "savedMean", 1, channels, op);
        var savedInverseStd = Need(buffers.SavedInverseStd, "savedInverseStd", 1, channels, op);
        if (batch == 0) return;
        lock (_gate)
        {
            var sums = Scratch(2 * channels);
            _batchNormSums ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormGeometry, int>(IlgpuKernels.BatchNormSums);
            _batchNormSums(channels, x, dy, savedMean, savedInverseStd, sums, geometry, batch);
            if (betaGradient is not null) sums.SubView(0, channels).CopyTo(dbeta.SubView(0, channels));
            if (gammaGradient is not null) sums.SubView(channels, channels).CopyTo(dgamma.SubView(0, channels));
            _batchNormBackward ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BatchNormGeometry, int, int>(IlgpuKernels.BatchNormBackward);
            _batchNormBackward(batch * geometry.Size, x, dy, dx, savedMean, savedInverseStd, buffers.Gamma is null ? dx : gamma, sums, geometry, batch,
                buffers.Gamma is null ? 0 : 1);
        }
    }

    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, OptimizerStep>? _optimizerUpdate;

    /// <inheritdoc/>
    public void OptimizerUpdate(in OptimizerStep step, FloatBuffer value, FloatBuffer gradient, FloatBuffer? state0, FloatBuffer? state1, int length)
    {
        const string op = nameof(OptimizerUpdate);
        if (!Enum.IsDefined(step.Rule)) throw new ArgumentOutOfRangeException(nameof(step), step.Rule, "Unknown update rule.");
        int slots = step.Rule switch { UpdateRule.Sgd => 0, UpdateRule.Adadelta or UpdateRule.Adam => 2, _ => 1 };
        var p = Need(value, nameof(value), 1, length, op);
        var g = Need(gradient, nameof(gradient), 1, length, op);
        var s0 = slots > 0 ? Need(state0!, nameof(state0), 1, length, op) : p;
        var s1 = slots > 1 ? Need(state1!, nameof(state1), 1, length, op) : p;
        if (length == 0) return;
        lock (_gate)
        {
            _optimizerUpdate ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, OptimizerStep>(IlgpuKernels.OptimizerUpdate);
            _optimizerUpdate(length, p, g, s0, s1, step);
        }
    }
}
