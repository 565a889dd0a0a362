using System;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>Finds NaN and infinite values, vectorised for the usual case where there are none.</summary>
internal static class FiniteValues
{
    /// <summary>The index of the first NaN or ±∞ in <paramref name="values"/>, or −1 if every value is finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        // One SIMD pass answers the common case; only a failing span is searched value by value for the message.
        if (TensorPrimitives.IsFiniteAll(values)) return -1;
        for (var i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }
}
