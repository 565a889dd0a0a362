using System;
using System.Reflection;

namespace Unroll.Tests.Optimizers;

/// <summary>A buffer that, like a GPU buffer, has no host span.</summary>
internal sealed class DeviceOnlyBuffer(int length) : FloatBuffer(length)
{
    public override bool IsHostMemory => false;
    public override Span<float> Span => throw new InvalidOperationException("Device buffer.");
}

/// <summary>
/// A backend whose buffers live "on the device". Built as a <see cref="DispatchProxy"/> so that it keeps compiling as
/// <see cref="IBackend"/> grows: only <c>Allocate</c>, <c>Name</c> and the copies do anything.
/// </summary>
public class DeviceOnlyBackend : DispatchProxy
{
    public static IBackend Create() => Create<IBackend, DeviceOnlyBackend>();

    protected override object? Invoke(MethodInfo? method, object?[]? args) => method?.Name switch
    {
        "Allocate" => new DeviceOnlyBuffer((int)args![0]!),
        "get_Name" => "device-only (test)",
        "Supports" => (string)args![0]! != nameof(IBackend.OptimizerUpdate),
        "Upload" or "Download" or "Copy" => null,
        _ => throw new NotSupportedException(method?.Name),
    };
}
