using System;
using ILGPU;
using ILGPU.Runtime;

namespace Unroll;

/// <summary>A buffer in an ILGPU accelerator's memory, used by <see cref="IlgpuBackend"/>; read it with <see cref="IBackend.Download"/>.</summary>
public sealed class IlgpuBuffer : FloatBuffer, IDisposable
{
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _memory;

    internal IlgpuBuffer(IlgpuBackend owner, MemoryBuffer1D<float, Stride1D.Dense> memory, int length) : base(length)
    {
        Owner = owner;
        _memory = memory;
    }

    /// <summary>The backend whose accelerator holds the values.</summary>
    internal IlgpuBackend Owner { get; }

    /// <summary>The values as a kernel reads them (never empty: a zero-length buffer holds one unused value).</summary>
    internal ArrayView<float> View => _memory.View;

    /// <inheritdoc/>
    public override bool IsHostMemory => false;

    /// <inheritdoc/>
    public override Span<float> Span => throw new NotSupportedException(
        $"This buffer is in the memory of '{Owner.Name}'; read it with the backend's Download and write it with Upload.");

    /// <summary>Frees the device memory.</summary>
    public void Dispose() => _memory.Dispose();
}
