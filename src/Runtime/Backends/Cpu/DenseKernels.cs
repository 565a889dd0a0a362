using System;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>Fully connected layer: y = x·Wᵀ + b with x (batch, inputs), W [units, inputs], y (batch, units).</summary>
internal static class DenseKernels
{
    // Below this batch a row of y is a handful of dot products over rows of W: cheaper than packing W for a GEMM.
    private const int DotBatchLimit = 4;

    public static void Forward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, int batch, int inputs, int units)
    {
        const string op = "DenseForward";
        var x = KernelArgs.Need(input, nameof(input), batch, inputs, op);
        var w = KernelArgs.Need(weight, nameof(weight), units, inputs, op);
        var b = KernelArgs.NeedOptional(bias, nameof(bias), 1, units, op);
        var y = KernelArgs.Need(output, nameof(output), batch, units, op);
        if (batch < DotBatchLimit)
        {
            GemvKernels.Forward(x, w, b, y, batch, inputs, units);
            return;
        }
        if (b is not null)
            for (int s = 0; s < batch; s++) new ReadOnlySpan<float>(b, 0, units).CopyTo(new Span<float>(y, s * units, units));
        Gemm.MultiplyParallel(false, true, batch, units, inputs, 1f, x, inputs, w, inputs, b is null ? 0f : 1f, y, units);
    }

    public static void Backward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient,
        FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient, int batch, int inputs, int units)
    {
        const string op = "DenseBackward";
        var x = KernelArgs.Need(input, nameof(input), batch, inputs, op);
        var w = KernelArgs.Need(weight, nameof(weight), units, inputs, op);
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, units, op);
        var dx = KernelArgs.NeedOptional(inputGradient, nameof(inputGradient), batch, inputs, op);
        var dw = KernelArgs.Need(weightGradient, nameof(weightGradient), units, inputs, op);
        var db = KernelArgs.NeedOptional(biasGradient, nameof(biasGradient), 1, units, op);

        // dW [units, inputs] = dyᵀ (units × batch) · x (batch × inputs)
        Gemm.MultiplyParallel(true, false, units, inputs, batch, 1f, dy, units, x, inputs, 0f, dw, inputs);
        // dx (batch × inputs) = dy (batch × units) · W (units × inputs)
        if (dx is not null) Gemm.MultiplyParallel(false, false, batch, inputs, units, 1f, dy, units, w, inputs, 0f, dx, inputs);
        if (db is not null)
        {
            var sum = new Span<float>(db, 0, units);
            sum.Clear();
            for (int s = 0; s < batch; s++) TensorPrimitives.Add(sum, new ReadOnlySpan<float>(dy, s * units, units), sum);
        }
    }
}
