using System;
using System.Numerics.Tensors;

namespace Unroll;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void LossForward(Loss loss, bool logits, FloatBuffer prediction, FloatBuffer target, FloatBuffer gradient, float gradientScale,
        FloatBuffer result, int slot, int batch, int size)
    {
        ArgumentNullException.ThrowIfNull(loss);
        const string op = nameof(LossForward);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        int values = batch * size, targets = batch * loss.TargetSize(size);
        var p = new ReadOnlySpan<float>(KernelArgs.Need(prediction, nameof(prediction), batch, size, op), 0, values);
        var t = new ReadOnlySpan<float>(KernelArgs.Need(target, nameof(target), 1, targets, op), 0, targets);
        var g = new Span<float>(KernelArgs.Need(gradient, nameof(gradient), batch, size, op), 0, values);
        var r = KernelArgs.Need(result, nameof(result), 1, slot + 1, op);
        // The loss classes are the CPU implementation: they validate, and sum in double precision.
        r[slot] = logits ? loss.ComputeFromLogits(p, t, g, batch, size) : loss.Compute(p, t, g, batch, size);
        if (gradientScale != 1f) TensorPrimitives.Multiply(g, gradientScale, g);
    }

    /// <inheritdoc/>
    public void CountCorrect(FloatBuffer prediction, FloatBuffer labels, FloatBuffer result, int slot, int batch, int size, float threshold)
    {
        const string op = nameof(CountCorrect);
        var p = KernelArgs.Need(prediction, nameof(prediction), batch, size, op);
        var l = KernelArgs.Need(labels, nameof(labels), 1, batch, op);
        var r = KernelArgs.Need(result, nameof(result), 1, slot + 1, op);
        var correct = 0;
        for (var i = 0; i < batch; i++)
        {
            var row = new ReadOnlySpan<float>(p, i * size, size);
            var predicted = size == 1 ? (row[0] > threshold ? 1 : 0) : TensorPrimitives.IndexOfMax(row);
            if (predicted == l[i]) correct++;
        }
        r[slot] = correct;
    }
}
