using System;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>Element-wise joins of a graph: residual sums and gradient accumulation where a tensor feeds several layers.</summary>
/// <remarks>Memory-bound single passes: TensorPrimitives' vector loop already runs at memory speed, so no threads.</remarks>
internal static class ElementwiseKernels
{
    public static void Add(FloatBuffer a, FloatBuffer b, FloatBuffer output, int length)
    {
        const string op = "Add";
        var x = KernelArgs.Need(a, nameof(a), 1, length, op);
        var y = KernelArgs.Need(b, nameof(b), 1, length, op);
        var z = KernelArgs.Need(output, nameof(output), 1, length, op);
        TensorPrimitives.Add(new ReadOnlySpan<float>(x, 0, length), new ReadOnlySpan<float>(y, 0, length), new Span<float>(z, 0, length));
    }

    public static void Scale(FloatBuffer input, FloatBuffer output, float factor, int length)
    {
        const string op = "Scale";
        var x = KernelArgs.Need(input, nameof(input), 1, length, op);
        var y = KernelArgs.Need(output, nameof(output), 1, length, op);
        TensorPrimitives.Multiply(new ReadOnlySpan<float>(x, 0, length), factor, new Span<float>(y, 0, length));
    }

    public static void AddInPlace(FloatBuffer source, FloatBuffer destination, int length)
    {
        const string op = "AddInPlace";
        var s = KernelArgs.Need(source, nameof(source), 1, length, op);
        var d = KernelArgs.Need(destination, nameof(destination), 1, length, op);
        var dst = new Span<float>(d, 0, length);
        TensorPrimitives.Add(dst, new ReadOnlySpan<float>(s, 0, length), dst);
    }
}
