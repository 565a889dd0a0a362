using System;

namespace Unroll;

/// <summary>
/// A fixed-length block of <see cref="float"/> values owned by an <see cref="IBackend"/>: an activation, a gradient,
/// a parameter or a workspace. Networks allocate every buffer once, at construction; kernels only read and write them.
/// </summary>
public abstract class FloatBuffer(int length)
{
    /// <summary>Number of values.</summary>
    public int Length { get; } = length;

    /// <summary>Whether <see cref="Span"/> reaches the values directly (true for the CPU backend).</summary>
    public abstract bool IsHostMemory { get; }

    /// <summary>The values, for buffers in host memory; a device buffer throws and is read with <see cref="IBackend.Download"/>.</summary>
    public abstract Span<float> Span { get; }
}
