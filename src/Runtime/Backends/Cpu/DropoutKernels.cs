using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Unroll;

/// <summary>
/// Inverted dropout with a counter-based mask: element i is kept when a SplitMix64 hash of (seed, i) maps to a uniform
/// number ≥ rate. The mask depends only on the seed and the index, never on threading or call order.
/// </summary>
internal static class DropoutKernels
{
    public static void Forward(FloatBuffer input, FloatBuffer output, FloatBuffer mask, float rate, ulong seed, int length)
    {
        const string op = "DropoutForward";
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout rate must be in [0, 1).");
        var x = KernelArgs.Need(input, nameof(input), 1, length, op);
        var y = KernelArgs.Need(output, nameof(output), 1, length, op);
        var m = KernelArgs.Need(mask, nameof(mask), 1, length, op);
        var maskSpan = new Span<float>(m, 0, length);
        if (rate == 0f) maskSpan.Fill(1f);
        else
        {
            float keep = 1f / (1f - rate);
            // Compare 24-bit integers: u = hash >> 40 is uniform on [0, 2²⁴); drop when u < rate·2²⁴.
            uint threshold = (uint)Math.Round(rate * (double)(1 << 24));
            for (int i = 0; i < length; i++) maskSpan[i] = Uniform24(seed, (ulong)i) < threshold ? 0f : keep;
        }
        TensorPrimitives.Multiply(new ReadOnlySpan<float>(x, 0, length), maskSpan, new Span<float>(y, 0, length));
    }

    public static void Backward(FloatBuffer mask, FloatBuffer outputGradient, FloatBuffer inputGradient, int length)
    {
        const string op = "DropoutBackward";
        var m = KernelArgs.Need(mask, nameof(mask), 1, length, op);
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), 1, length, op);
        var dx = KernelArgs.Need(inputGradient, nameof(inputGradient), 1, length, op);
        TensorPrimitives.Multiply(new ReadOnlySpan<float>(dy, 0, length), new ReadOnlySpan<float>(m, 0, length), new Span<float>(dx, 0, length));
    }

    /// <summary>The top 24 bits of SplitMix64's output for counter <paramref name="index"/> of stream <paramref name="seed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Uniform24(ulong seed, ulong index)
    {
        ulong z = seed * 0xD1B54A32D192ED03UL + (index + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (uint)(z >> 40);
    }
}
