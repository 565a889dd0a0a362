using System;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Unroll;

/// <summary>Element-wise activations (and row-wise softmax), forward and backward, on TensorPrimitives and Vector256 loops.</summary>
internal static class ActivationKernels
{
    public static void Forward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output, int batch, int features)
    {
        const string op = "ActivationForward";
        var xa = KernelArgs.Need(input, nameof(input), batch, features, op);
        var ya = KernelArgs.Need(output, nameof(output), batch, features, op);
        int length = batch * features;
        ReadOnlySpan<float> x = new(xa, 0, length);
        Span<float> y = new(ya, 0, length);
        switch (activation)
        {
            case Activation.Linear:
                if (xa != ya) x.CopyTo(y);
                break;
            case Activation.Relu:
                TensorPrimitives.Max(x, 0f, y);
                break;
            case Activation.LeakyRelu:
                LeakyRelu(x, y, alpha);
                break;
            case Activation.Elu:
                Elu(x, y, alpha);
                break;
            case Activation.Sigmoid:
                TensorPrimitives.Sigmoid(x, y);
                break;
            case Activation.Tanh:
                TensorPrimitives.Tanh(x, y);
                break;
            case Activation.Softmax:
                for (int b = 0; b < batch; b++)
                {
                    var xr = x.Slice(b * features, features);
                    var yr = y.Slice(b * features, features);
                    if (features == 0) continue;
                    // Subtracting the row max keeps exp from overflowing; the result is unchanged.
                    float max = TensorPrimitives.Max(xr);
                    TensorPrimitives.Subtract(xr, max, yr);
                    TensorPrimitives.Exp(yr, yr);
                    TensorPrimitives.Multiply(yr, 1f / TensorPrimitives.Sum(yr), yr);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    public static void Backward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output,
        FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int features)
    {
        const string op = "ActivationBackward";
        int length = batch * features;
        // Only the operands an activation's derivative reads are checked (and may be unallocated stand-ins otherwise).
        bool needsInput = activation is Activation.Relu or Activation.LeakyRelu or Activation.Elu;
        bool needsOutput = activation is Activation.Elu or Activation.Sigmoid or Activation.Tanh or Activation.Softmax;
        ReadOnlySpan<float> x = needsInput ? new(KernelArgs.Need(input, nameof(input), batch, features, op), 0, length) : default;
        ReadOnlySpan<float> y = needsOutput ? new(KernelArgs.Need(output, nameof(output), batch, features, op), 0, length) : default;
        ReadOnlySpan<float> dy = new(KernelArgs.Need(outputGradient, nameof(outputGradient), batch, features, op), 0, length);
        Span<float> dx = new(KernelArgs.Need(inputGradient, nameof(inputGradient), batch, features, op), 0, length);
        switch (activation)
        {
            case Activation.Linear:
                dy.CopyTo(dx);
                break;
            case Activation.Relu:
                ScaleByStep(x, dy, dx, 0f);
                break;
            case Activation.LeakyRelu:
                ScaleByStep(x, dy, dx, alpha);
                break;
            case Activation.Elu:
                EluBackward(x, y, dy, dx, alpha);
                break;
            case Activation.Sigmoid:
                // dx = dy·y·(1 − y) = dy·(y − y²)
                for (int i = 0; i < length; i++) { float v = y[i]; dx[i] = dy[i] * (v - v * v); }
                break;
            case Activation.Tanh:
                // dx = dy·(1 − y²)
                for (int i = 0; i < length; i++) { float v = y[i]; dx[i] = dy[i] * (1f - v * v); }
                break;
            case Activation.Softmax:
                for (int b = 0; b < batch; b++)
                {
                    var yr = y.Slice(b * features, features);
                    var dyr = dy.Slice(b * features, features);
                    var dxr = dx.Slice(b * features, features);
                    // dx = y ⊙ (dy − Σ dy⊙y)
                    float dot = TensorPrimitives.Dot(dyr, yr);
                    TensorPrimitives.Subtract(dyr, dot, dxr);
                    TensorPrimitives.Multiply(dxr, yr, dxr);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    /// <summary>y = x for x &gt; 0, alpha·x otherwise.</summary>
    private static void LeakyRelu(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.Create(x.Slice(i, Vector256<float>.Count));
                Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, v * a).CopyTo(y.Slice(i));
            }
        }
        for (; i < x.Length; i++) y[i] = x[i] > 0f ? x[i] : alpha * x[i];
    }

    /// <summary>dx = dy where x &gt; 0, dy·slope elsewhere (ReLU: slope 0; leaky ReLU: slope alpha).</summary>
    private static void ScaleByStep(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float slope)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(slope);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.Create(x.Slice(i, Vector256<float>.Count));
                var g = Vector256.Create(dy.Slice(i, Vector256<float>.Count));
                Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), g, g * s).CopyTo(dx.Slice(i));
            }
        }
        for (; i < x.Length; i++) dx[i] = x[i] > 0f ? dy[i] : dy[i] * slope;
    }

    /// <summary>y = x for x &gt; 0, alpha·(eˣ − 1) otherwise; x and y may be the same buffer.</summary>
    private static void Elu(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        // exp runs vectorised on e^min(x, 0) in a stack chunk (never overflows), so x is read before y is written.
        Span<float> e = stackalloc float[256];
        for (int start = 0; start < x.Length; start += e.Length)
        {
            int n = Math.Min(e.Length, x.Length - start);
            var xs = x.Slice(start, n);
            var es = e.Slice(0, n);
            TensorPrimitives.Min(xs, 0f, es);
            TensorPrimitives.Exp(es, es);
            var ys = y.Slice(start, n);
            for (int i = 0; i < n; i++) ys[i] = xs[i] > 0f ? xs[i] : alpha * (es[i] - 1f);
        }
    }

    /// <summary>dx = dy for x &gt; 0, dy·(y + alpha) otherwise.</summary>
    private static void EluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha)
    {
        for (int i = 0; i < x.Length; i++) dx[i] = x[i] > 0f ? dy[i] : dy[i] * (y[i] + alpha);
    }
}
