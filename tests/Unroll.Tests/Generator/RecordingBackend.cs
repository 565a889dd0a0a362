using System;
using System.Collections.Generic;
using System.Linq;

namespace Unroll.Tests.Generator;

/// <summary>
/// A backend that writes down every operation before its inner backend runs it (by default a <see cref="NoOpBackend"/>, so
/// no arithmetic): its name, each buffer as its length (so the literal sizes show), and the other arguments, geometries
/// spelled out and a dropout seed as <c>seed</c>.
/// <see cref="Buffers"/> keeps the buffers of each call for identity checks: the non-null ones in argument order (a
/// <see cref="BatchNormBuffers"/> counts as its six), then a null for each absent one.
/// </summary>
internal sealed class RecordingBackend(IBackend? inner = null) : ForwardingBackend(inner ?? NoOpBackend.Create())
{
    public List<string> Calls { get; } = new();

    public List<FloatBuffer?[]> Buffers { get; } = new();

    public List<int> Allocations { get; } = new();

    public bool Recording { get; set; } = true;

    public override string Name => "recording";

    /// <summary>Replaces the workspace length the backend reports (to test how generated constructors handle a failing one).</summary>
    public Func<Conv2DGeometry, int, int>? WorkspaceLength { get; init; }

    /// <summary>One input sample per batch row unless <see cref="WorkspaceLength"/> says otherwise: a size that does not depend on the machine.</summary>
    public override int Conv2DWorkspaceLength(in Conv2DGeometry geometry, int capacity)
        => WorkspaceLength?.Invoke(geometry, capacity) ?? geometry.InputSize * capacity;

    public override FloatBuffer Allocate(int length)
    {
        Allocations.Add(length);
        return new CpuBuffer(length);
    }

    // Host copies stay here: a proxy inner backend cannot take spans.
    public override void Upload(ReadOnlySpan<float> source, FloatBuffer destination, int offset = 0) => source.CopyTo(destination.Span.Slice(offset));

    public override void Download(FloatBuffer source, int offset, Span<float> destination) => source.Span.Slice(offset, destination.Length).CopyTo(destination);

    protected override void OnEnter(string operation, params ReadOnlySpan<object?> arguments)
    {
        if (!Recording) return;
        var args = new List<object?>();
        foreach (var argument in arguments)
        {
            if (argument is BatchNormBuffers b) args.AddRange([b.Gamma, b.Beta, b.RunningMean, b.RunningVariance, b.SavedMean, b.SavedInverseStd]);
            else args.Add(argument);
        }
        Calls.Add(operation + "(" + string.Join(", ", args.Select(Format)) + ")");
        Buffers.Add(args.OfType<FloatBuffer>().Concat(args.Where(a => a is null).Select(_ => (FloatBuffer?)null)).ToArray());
    }

    private static string Format(object? arg) => arg switch
    {
        null => "null",
        FloatBuffer b => "[" + b.Length + "]",
        Conv2DGeometry g => $"conv {g.InChannels}x{g.InHeight}x{g.InWidth}→{g.OutChannels}x{g.OutHeight}x{g.OutWidth} k{g.KernelHeight}x{g.KernelWidth} s{g.StrideHeight},{g.StrideWidth} p{g.PadTop},{g.PadLeft}",
        Pool2DGeometry g => $"pool {g.Channels}x{g.InHeight}x{g.InWidth}→{g.OutHeight}x{g.OutWidth} w{g.WindowHeight}x{g.WindowWidth} s{g.StrideHeight},{g.StrideWidth} p{g.PadTop},{g.PadLeft}",
        DenseGeometry g => $"dense {g.Inputs}→{g.Units}",
        BatchNormGeometry g => $"batchnorm {g.Channels}x{g.Spatial} m{Format(g.Momentum)} ε{Format(g.Epsilon)}",
        ConcatGeometry g => $"concat {g.InputChannels}→{g.OutputChannels}@{g.ChannelOffset} x{g.Spatial}",
        Padding2DGeometry g => $"pad {g.Channels}x{g.InHeight}x{g.InWidth}→{g.OutHeight}x{g.OutWidth} p{g.PadTop},{g.PadLeft}",
        GlobalPool2DGeometry g => $"global {g.Channels}x{g.Spatial}",
        ulong => "seed",
        float f => f.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(arg, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}
