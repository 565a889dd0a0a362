using System;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Unroll;

/// <summary>Where an <see cref="IlgpuBackend"/> runs its kernels.</summary>
public enum IlgpuDevice
{
    /// <summary>The first NVIDIA GPU CUDA reports.</summary>
    Cuda,
    /// <summary>ILGPU's CPU accelerator, which emulates a GPU (warps of 4, groups of at most 16 threads): slow, for tests.</summary>
    Cpu,
}

/// <summary>
/// The GPU backend: every backend operation is an ILGPU kernel (or a few) over buffers in the accelerator's memory,
/// loaded once per backend (on first use) and launched on the accelerator's default stream. Calls are serialised: one
/// thread at a time may launch on a backend.
/// </summary>
public sealed partial class IlgpuBackend : IBackend, IDisposable
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly object _gate = new();

    private IlgpuBackend(Context context, Accelerator accelerator, IlgpuDevice device)
    {
        _context = context;
        _accelerator = accelerator;
        Device = device;
        // The CPU accelerator's groups hold at most 16 threads: 4 × 4 tiles there, 16 × 16 on a GPU.
        Tile = accelerator.MaxNumThreadsPerGroup >= 256 ? 16 : 4;
        Name = device == IlgpuDevice.Cuda
            ? $"ilgpu cuda ({accelerator.Name}, tiled kernels {Tile}×{Tile})"
            : $"ilgpu cpu accelerator (tiled kernels {Tile}×{Tile})";
    }

    /// <summary>
    /// A backend on <paramref name="device"/>. Asking for <see cref="IlgpuDevice.Cuda"/> where CUDA finds no GPU throws
    /// <see cref="InvalidOperationException"/>: it never falls back to another device.
    /// </summary>
    public static IlgpuBackend Create(IlgpuDevice device)
    {
        var context = Context.Create(builder => (device == IlgpuDevice.Cuda ? builder.Cuda() : builder.CPU()).Math(MathMode.Fast32BitOnly));
        try
        {
            Accelerator accelerator;
            if (device == IlgpuDevice.Cuda)
            {
                var gpus = context.GetCudaDevices();
                if (gpus.Count == 0)
                    throw new InvalidOperationException("No CUDA device found (no NVIDIA GPU, or no CUDA driver): use the CPU backend, or the ILGPU CPU accelerator for tests.");
                accelerator = gpus[0].CreateAccelerator(context);
            }
            else
            {
                accelerator = context.CreateCPUAccelerator(0);
            }
            return new IlgpuBackend(context, accelerator, device);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>The device this backend runs on.</summary>
    public IlgpuDevice Device { get; }

    /// <summary>Width of the square thread groups the matrix products use.</summary>
    internal int Tile { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public FloatBuffer Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        lock (_gate)
        {
            var memory = _accelerator.Allocate1D<float>(Math.Max(length, 1));
            memory.MemSetToZero();
            _accelerator.Synchronize();
            return new IlgpuBuffer(this, memory, length);
        }
    }

    /// <inheritdoc/>
    public void Upload(ReadOnlySpan<float> source, FloatBuffer destination, int offset = 0)
    {
        var view = Need(destination, nameof(destination), 1, (long)offset + source.Length, "Upload");
        if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset));
        if (source.IsEmpty) return;
        lock (_gate)
        {
            view.SubView(offset, source.Length).CopyFromCPU(source);
            _accelerator.Synchronize();
        }
    }

    /// <inheritdoc/>
    public void Download(FloatBuffer source, int offset, Span<float> destination)
    {
        var view = Need(source, nameof(source), 1, (long)offset + destination.Length, "Download");
        if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset));
        if (destination.IsEmpty) return;
        lock (_gate)
        {
            _accelerator.Synchronize();
            view.SubView(offset, destination.Length).CopyToCPU(destination);
        }
    }

    /// <inheritdoc/>
    public void Copy(FloatBuffer source, FloatBuffer destination, int length)
    {
        var from = Need(source, nameof(source), 1, length, "Copy");
        var to = Need(destination, nameof(destination), 1, length, "Copy");
        if (length == 0) return;
        lock (_gate)
        {
            from.SubView(0, length).CopyTo(to.SubView(0, length));
            _accelerator.Synchronize();
        }
    }

    /// <summary>Frees the accelerator and its context (buffers allocated from it must not be used afterwards).</summary>
    public void Dispose()
    {
        _sums?.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>The view behind a buffer of this backend, checked to hold at least count·size values.</summary>
    private ArrayView<float> Need(FloatBuffer buffer, string name, long count, long size, string what)
    {
        if (buffer is null) throw new ArgumentNullException(name);
        if (buffer is not IlgpuBuffer device || !ReferenceEquals(device.Owner, this))
            throw new ArgumentException($"{name} is a {buffer.GetType().Name} of another backend, not a buffer of '{Name}'.", name);
        if (count < 0 || size < 0) throw new ArgumentOutOfRangeException(name, $"{what}: sizes must be non-negative ({count} × {size}).");
        if (device.Length < count * size)
            throw new ArgumentException($"{name} holds {device.Length} values but {what} needs {count * size} ({count} × {size}).", name);
        return device.View;
    }

    private ArrayView<float> NeedOptional(FloatBuffer? buffer, string name, long count, long size, string what)
        => buffer is null ? default : Need(buffer, name, count, size, what);
}
