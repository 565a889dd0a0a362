using System;
using System.Collections.Generic;
using System.Reflection;

namespace Unroll.Tests.Generator;

/// <summary>
/// A backend that does no arithmetic: operations only note their name in <see cref="Ran"/>; <c>Allocate</c> gives CPU
/// buffers, <c>Supports</c> says yes. A <see cref="DispatchProxy"/>, so it keeps compiling as <see cref="IBackend"/> grows.
/// A proxy cannot take the span arguments of <c>Upload</c> and <c>Download</c> (InvalidProgramException): a wrapper that
/// may see those copies handles them itself, as <see cref="RecordingBackend"/> does.
/// </summary>
public class NoOpBackend : DispatchProxy
{
    /// <summary>The operations that reached this backend, in order.</summary>
    public List<string> Ran { get; } = new();

    public static IBackend Create() => Create<IBackend, NoOpBackend>();

    /// <summary>A new no-op backend and the list of operations that reach it.</summary>
    public static IBackend Create(out List<string> ran)
    {
        var backend = Create();
        ran = ((NoOpBackend)(object)backend).Ran;
        return backend;
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        switch (method!.Name)
        {
            case "get_Name": return "no-op (test)";
            case nameof(IBackend.Supports): return true;
            case nameof(IBackend.Allocate): return new CpuBuffer((int)args![0]!);
        }
        Ran.Add(method.Name);
        return method.ReturnType == typeof(void) ? null : Activator.CreateInstance(method.ReturnType);
    }
}
