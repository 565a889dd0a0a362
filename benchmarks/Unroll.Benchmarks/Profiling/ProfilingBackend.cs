using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace Unroll.Benchmarks.Profiling;

/// <summary>
/// Wraps a backend and times every kernel call. A generated network calls its kernels in the same order on every step,
/// so the profile keeps one row per position in that sequence (labelled on the first step) and sums time into it;
/// <see cref="BeginStep"/> rewinds to the first position. Uploads and downloads, which <see cref="ForwardingBackend"/>
/// forwards without hooks, are timed here too.
/// </summary>
internal sealed class ProfilingBackend(IBackend inner) : ForwardingBackend(inner)
{
    private readonly List<(string Label, long Ticks)> _rows = new();
    private int _position;
    private int _steps;
    private string? _label;
    private long _start;

    public override string Name => Inner.Name + " (profiled)";

    public void BeginStep() { _position = 0; _steps++; }

    public void Reset() { _rows.Clear(); _position = 0; _steps = 0; }

    /// <summary>One line per call position: mean microseconds per step and share of the total, slowest first.</summary>
    public string Report(int top = 30)
    {
        var total = _rows.Sum(r => r.Ticks);
        var lines = _rows.Select((r, i) => (r.Label, Index: i, r.Ticks))
            .OrderByDescending(r => r.Ticks).Take(top)
            .Select(r => $"{r.Ticks * 1e6 / Stopwatch.Frequency / Math.Max(1, _steps),10:F1} µs {100.0 * r.Ticks / Math.Max(1, total),5:F1}%  #{r.Index,-3} {r.Label}");
        return $"{total * 1e6 / Stopwatch.Frequency / Math.Max(1, _steps):F1} µs per step in kernels, {_steps} steps\n" + string.Join("\n", lines);
    }

    // The label is built only on the first step, before the clock starts.
    protected override void OnEnter(string operation, params ReadOnlySpan<object?> arguments)
    {
        _label = _position == _rows.Count ? Label(operation, arguments) : null;
        _start = Stopwatch.GetTimestamp();
    }

    protected override void OnExit(string operation) => Record(_start, _label);

    public override void Upload(ReadOnlySpan<float> source, FloatBuffer destination, int offset = 0)
    {
        var label = _position == _rows.Count ? $"Upload {source.Length}" : null;
        var start = Stopwatch.GetTimestamp();
        base.Upload(source, destination, offset);
        Record(start, label);
    }

    public override void Download(FloatBuffer source, int offset, Span<float> destination)
    {
        var label = _position == _rows.Count ? "Download" : null;
        var start = Stopwatch.GetTimestamp();
        base.Download(source, offset, destination);
        Record(start, label);
    }

    private void Record(long start, string? label)
    {
        var elapsed = Stopwatch.GetTimestamp() - start;
        if (_position == _rows.Count) _rows.Add((label ?? "?", 0));
        var row = _rows[_position];
        _rows[_position++] = (row.Label, row.Ticks + elapsed);
    }

    /// <summary><c>DenseBackward b32 400→120 (no dx)</c>: the operation, the batch before its geometry, the sizes.</summary>
    private static string Label(string operation, ReadOnlySpan<object?> arguments)
    {
        var parts = new List<string> { operation };
        for (var i = 0; i < arguments.Length; i++)
        {
            var next = i + 1 < arguments.Length ? arguments[i + 1] : null;
            switch (arguments[i])
            {
                case Activation activation: parts[0] = activation + operation.Replace("Activation", ""); break;
                case int batch when next is Conv2DGeometry or Pool2DGeometry or DenseGeometry or BatchNormGeometry or ConcatGeometry or Padding2DGeometry or GlobalPool2DGeometry:
                    parts.Add($"b{batch}"); break;
                case int batch when arguments[0] is Activation && i == arguments.Length - 2: parts.Add($"b{batch}"); break;
                case int length: parts.Add(length.ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
                case Conv2DGeometry g: parts.Add($"{g.InChannels}x{g.InHeight}x{g.InWidth}→{g.OutChannels}x{g.OutHeight}x{g.OutWidth} k{g.KernelHeight}x{g.KernelWidth} s{g.StrideHeight} g{g.Groups}"); break;
                case Pool2DGeometry g: parts.Add($"{g.Channels}x{g.InHeight}x{g.InWidth}→{g.OutHeight}x{g.OutWidth}"); break;
                case DenseGeometry g: parts.Add($"{g.Inputs}→{g.Units}"); break;
                case BatchNormGeometry g: parts.Add($"{g.Channels}x{g.Spatial}"); break;
                case ConcatGeometry g: parts.Add($"{g.InputChannels}/{g.OutputChannels}x{g.Spatial}"); break;
                case Padding2DGeometry g: parts.Add($"{g.Channels}x{g.InHeight}x{g.InWidth}"); break;
                case GlobalPool2DGeometry g: parts.Add($"{g.Channels}x{g.Spatial}"); break;
            }
        }
        // Dense and convolution backward skip the input gradient of a network's first layer (argument 3).
        if (operation is nameof(IBackend.DenseBackward) or nameof(IBackend.Conv2DBackward) && arguments[3] is null) parts.Add("(no dx)");
        return string.Join(" ", parts);
    }
}
