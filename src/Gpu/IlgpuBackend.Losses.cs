using System;
using ILGPU;
using ILGPU.Runtime;

namespace Unroll;

public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LossArgs>? _lossRows;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>? _correctRows;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, float>? _sumRows;
    private float[] _hostLoss = []; // predictions, targets and gradients of a custom loss, computed on the host

    /// <inheritdoc/>
    /// <remarks>
    /// The built-in losses run as kernels; a loss of another class (a user's subclass of <see cref="Loss"/>) is computed
    /// on the host by its own <see cref="Loss.Compute"/>, its predictions brought down and its gradient taken up.
    /// </remarks>
    public void LossForward(Loss loss, bool logits, FloatBuffer prediction, FloatBuffer target, FloatBuffer gradient, float gradientScale,
        FloatBuffer result, int slot, int batch, int size)
    {
        ArgumentNullException.ThrowIfNull(loss);
        const string op = nameof(LossForward);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        int targetSize = loss.TargetSize(size);
        var p = Need(prediction, nameof(prediction), batch, size, op);
        var t = Need(target, nameof(target), batch, targetSize, op);
        var g = Need(gradient, nameof(gradient), batch, size, op);
        var r = Need(result, nameof(result), 1, slot + 1L, op);
        if (Formula(loss, logits) is not { } formula)
        {
            LossOnHost(loss, logits, p, t, g, gradientScale, r, slot, batch, size, targetSize);
            return;
        }
        bool perValue = formula is not (LossFormula.KullbackLeibler or LossFormula.Categorical or LossFormula.CategoricalFromLogits
            or LossFormula.SparseCategorical or LossFormula.SparseCategoricalFromLogits);
        float divisor = perValue ? (float)batch * size : batch;
        lock (_gate)
        {
            var rows = Scratch(batch);
            _lossRows ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LossArgs>(IlgpuKernels.LossRows);
            _lossRows(batch, p, t, g, rows, new LossArgs(formula, size, batch, gradientScale / divisor));
            SumRows(rows, r, slot, batch, divisor);
        }
    }

    /// <inheritdoc/>
    public void CountCorrect(FloatBuffer prediction, FloatBuffer labels, FloatBuffer result, int slot, int batch, int size, float threshold)
    {
        const string op = nameof(CountCorrect);
        var p = Need(prediction, nameof(prediction), batch, size, op);
        var l = Need(labels, nameof(labels), 1, batch, op);
        var r = Need(result, nameof(result), 1, slot + 1L, op);
        lock (_gate)
        {
            var hits = Scratch(batch);
            if (batch > 0)
            {
                _correctRows ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(IlgpuKernels.CorrectRows);
                _correctRows(batch, p, l, hits, size, threshold);
            }
            SumRows(hits, r, slot, batch, 1f);
        }
    }

    private void SumRows(ArrayView<float> rows, ArrayView<float> result, int slot, int count, float divisor)
    {
        _sumRows ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, float>(IlgpuKernels.SumRows);
        _sumRows(1, rows, result, slot, count, divisor);
    }

    /// <summary>The kernel formula of a built-in loss in the form asked for, or null for a loss class without one.</summary>
    private static LossFormula? Formula(Loss loss, bool logits)
    {
        bool fromLogits = logits || loss.FromLogits;
        return loss switch
        {
            MeanSquaredError => LossFormula.MeanSquared,
            MeanAbsoluteError => LossFormula.MeanAbsolute,
            MeanSquaredLogarithmicError => LossFormula.MeanSquaredLogarithmic,
            Hinge => LossFormula.Hinge,
            SquaredHinge => LossFormula.SquaredHinge,
            KullbackLeiblerDivergence => LossFormula.KullbackLeibler,
            BinaryCrossEntropy => fromLogits ? LossFormula.BinaryCrossEntropyFromLogits : LossFormula.BinaryCrossEntropy,
            CategoricalCrossEntropy => fromLogits ? LossFormula.CategoricalFromLogits : LossFormula.Categorical,
            SparseCategoricalCrossEntropy => fromLogits ? LossFormula.SparseCategoricalFromLogits : LossFormula.SparseCategorical,
            _ => null,
        };
    }

    private void LossOnHost(Loss loss, bool logits, ArrayView<float> p, ArrayView<float> t, ArrayView<float> g, float gradientScale,
        ArrayView<float> r, int slot, int batch, int size, int targetSize)
    {
        int values = batch * size, targets = batch * targetSize;
        lock (_gate)
        {
            if (_hostLoss.Length < 2 * values + targets) _hostLoss = new float[2 * values + targets];
            var prediction = _hostLoss.AsSpan(0, values);
            var target = _hostLoss.AsSpan(values, targets);
            var gradient = _hostLoss.AsSpan(values + targets, values);
            _accelerator.Synchronize();
            p.SubView(0, values).CopyToCPU(prediction);
            t.SubView(0, targets).CopyToCPU(target);
            float value = logits ? loss.ComputeFromLogits(prediction, target, gradient, batch, size) : loss.Compute(prediction, target, gradient, batch, size);
            for (int i = 0; i < values; i++) gradient[i] *= gradientScale;
            g.SubView(0, values).CopyFromCPU(gradient);
            r.SubView(slot, 1).CopyFromCPU([value]);
            _accelerator.Synchronize();
        }
    }
}
