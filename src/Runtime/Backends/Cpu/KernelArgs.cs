using System;

namespace Unroll;

/// <summary>Cheap argument checks shared by the CPU kernels: a short buffer would otherwise corrupt or misread memory.</summary>
internal static class KernelArgs
{
    /// <summary>The managed array behind a CPU buffer.</summary>
    public static float[] Array(FloatBuffer buffer, string name) => buffer switch
    {
        CpuBuffer cpu => cpu.Array,
        null => throw new ArgumentNullException(name),
        _ => throw new ArgumentException($"{name} is a {buffer.GetType().Name}, not a buffer of the CPU backend.", name),
    };

    /// <summary>The array behind <paramref name="buffer"/>, checked to hold at least <paramref name="count"/>·<paramref name="size"/> values.</summary>
    public static float[] Need(FloatBuffer buffer, string name, int count, int size, string what)
    {
        var array = Array(buffer, name);
        if (count < 0 || size < 0) throw new ArgumentOutOfRangeException(name, $"{what}: sizes must be non-negative ({count} × {size}).");
        long needed = (long)count * size;
        if (array.Length < needed)
            throw new ArgumentException($"{name} holds {array.Length} values but {what} needs {needed} ({count} × {size}).", name);
        return array;
    }

    public static float[]? NeedOptional(FloatBuffer? buffer, string name, int count, int size, string what)
        => buffer is null ? null : Need(buffer, name, count, size, what);
}
