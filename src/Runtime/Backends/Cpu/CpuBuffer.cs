using System;

namespace Unroll;

/// <summary>A buffer in ordinary managed memory, used by <see cref="CpuBackend"/>.</summary>
public sealed class CpuBuffer(int length) : FloatBuffer(length)
{
    /// <summary>The values; exactly <see cref="FloatBuffer.Length"/> long.</summary>
    public float[] Array { get; } = new float[length];

    /// <inheritdoc/>
    public override bool IsHostMemory => true;

    /// <inheritdoc/>
    public override Span<float> Span => Array;
}
