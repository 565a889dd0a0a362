using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace Unroll.Benchmarks.Profiling;

/// <summary>
/// Wraps a backend and times every kernel call. A generated network calls its kernels in the same order on every step,
/// so the profile keeps one row per position in that sequence (labelled on the first step) and sums time into it;
/// <see cref="BeginStep"/> rewinds to the first position.
/// </summary>
internal sealed class ProfilingBackend(IBackend inner) : IBackend
{
    private readonly List<(string Label, long Ticks)> _rows = new();
    private int _position;
    private int _steps;

    public string Name => inner.Name + " (profiled)";

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

    private void Record(long start, Func<string> label)
    {
        var elapsed = Stopwatch.GetTimestamp() - start;
        if (_position == _rows.Count) _rows.Add((label(), 0));
        var row = _rows[_position];
        _rows[_position++] = (row.Label, row.Ticks + elapsed);
    }

    private static string Conv(in Conv2DGeometry g) =>
        $"{g.InChannels}x{g.InHeight}x{g.InWidth}→{g.OutChannels}x{g.OutHeight}x{g.OutWidth} k{g.KernelHeight}x{g.KernelWidth} s{g.StrideHeight} g{g.Groups}";

    private static string Pool(in Pool2DGeometry g) =>
        $"{g.Channels}x{g.InHeight}x{g.InWidth}→{g.OutHeight}x{g.OutWidth}";

    public FloatBuffer Allocate(int length) => inner.Allocate(length);
    public void Upload(ReadOnlySpan<float> source, FloatBuffer destination, int offset = 0)
    { var t = Stopwatch.GetTimestamp(); var length = source.Length; inner.Upload(source, destination, offset); Record(t, () => $"Upload {length}"); }
    public void Download(FloatBuffer source, int offset, Span<float> destination)
    { var t = Stopwatch.GetTimestamp(); inner.Download(source, offset, destination); Record(t, () => "Download"); }
    public void Copy(FloatBuffer source, FloatBuffer destination, int length)
    { var t = Stopwatch.GetTimestamp(); inner.Copy(source, destination, length); Record(t, () => $"Copy {length}"); }

    public void DenseForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, int batch, int inputs, int units)
    { var t = Stopwatch.GetTimestamp(); inner.DenseForward(input, weight, bias, output, batch, inputs, units); Record(t, () => $"DenseForward b{batch} {inputs}→{units}"); }
    public void DenseBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        FloatBuffer weightGradient, FloatBuffer? biasGradient, int batch, int inputs, int units)
    { var t = Stopwatch.GetTimestamp(); inner.DenseBackward(input, weight, outputGradient, inputGradient, weightGradient, biasGradient, batch, inputs, units); Record(t, () => $"DenseBackward b{batch} {inputs}→{units}{(inputGradient is null ? " (no dx)" : "")}"); }

    public int Conv2DWorkspaceLength(in Conv2DGeometry geometry, int capacity) => inner.Conv2DWorkspaceLength(geometry, capacity);
    public void Conv2DForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace, int batch, in Conv2DGeometry geometry)
    { var t = Stopwatch.GetTimestamp(); inner.Conv2DForward(input, weight, bias, output, workspace, batch, geometry); var g = geometry; Record(t, () => $"Conv2DForward b{batch} {Conv(g)}"); }
    public void Conv2DBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace, int batch, in Conv2DGeometry geometry)
    { var t = Stopwatch.GetTimestamp(); inner.Conv2DBackward(input, weight, outputGradient, inputGradient, weightGradient, biasGradient, workspace, batch, geometry); var g = geometry; Record(t, () => $"Conv2DBackward b{batch} {Conv(g)}{(inputGradient is null ? " (no dx)" : "")}"); }

    public void MaxPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry)
    { var t = Stopwatch.GetTimestamp(); inner.MaxPool2DForward(input, output, batch, geometry); var g = geometry; Record(t, () => $"MaxPool2DForward b{batch} {Pool(g)}"); }
    public void MaxPool2DBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry)
    { var t = Stopwatch.GetTimestamp(); inner.MaxPool2DBackward(input, outputGradient, inputGradient, batch, geometry); var g = geometry; Record(t, () => $"MaxPool2DBackward b{batch} {Pool(g)}"); }
    public void AvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry)
    { var t = Stopwatch.GetTimestamp(); inner.AvgPool2DForward(input, output, batch, geometry); var g = geometry; Record(t, () => $"AvgPool2DForward b{batch} {Pool(g)}"); }
    public void AvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry)
    { var t = Stopwatch.GetTimestamp(); inner.AvgPool2DBackward(outputGradient, inputGradient, batch, geometry); var g = geometry; Record(t, () => $"AvgPool2DBackward b{batch} {Pool(g)}"); }

    public void ActivationForward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output, int batch, int features)
    { var t = Stopwatch.GetTimestamp(); inner.ActivationForward(activation, alpha, input, output, batch, features); Record(t, () => $"{activation}Forward b{batch} {features}"); }
    public void ActivationBackward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int features)
    { var t = Stopwatch.GetTimestamp(); inner.ActivationBackward(activation, alpha, input, output, outputGradient, inputGradient, batch, features); Record(t, () => $"{activation}Backward b{batch} {features}"); }

    public void DropoutForward(FloatBuffer input, FloatBuffer output, FloatBuffer mask, float rate, ulong seed, int length)
    { var t = Stopwatch.GetTimestamp(); inner.DropoutForward(input, output, mask, rate, seed, length); Record(t, () => $"DropoutForward {length}"); }
    public void DropoutBackward(FloatBuffer mask, FloatBuffer outputGradient, FloatBuffer inputGradient, int length)
    { var t = Stopwatch.GetTimestamp(); inner.DropoutBackward(mask, outputGradient, inputGradient, length); Record(t, () => $"DropoutBackward {length}"); }

    public void Add(FloatBuffer a, FloatBuffer b, FloatBuffer output, int length)
    { var t = Stopwatch.GetTimestamp(); inner.Add(a, b, output, length); Record(t, () => $"Add {length}"); }
    public void Scale(FloatBuffer input, FloatBuffer output, float factor, int length)
    { var t = Stopwatch.GetTimestamp(); inner.Scale(input, output, factor, length); Record(t, () => $"Scale {length}"); }
    public void AddInPlace(FloatBuffer source, FloatBuffer destination, int length)
    { var t = Stopwatch.GetTimestamp(); inner.AddInPlace(source, destination, length); Record(t, () => $"AddInPlace {length}"); }
    public void ConcatChannelsForward(FloatBuffer input, FloatBuffer output, int batch, int inputChannels, int outputChannels, int channelOffset, int spatial)
    { var t = Stopwatch.GetTimestamp(); inner.ConcatChannelsForward(input, output, batch, inputChannels, outputChannels, channelOffset, spatial); Record(t, () => $"ConcatForward b{batch} {inputChannels}/{outputChannels}x{spatial}"); }
    public void ConcatChannelsBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int inputChannels, int outputChannels, int channelOffset, int spatial)
    { var t = Stopwatch.GetTimestamp(); inner.ConcatChannelsBackward(outputGradient, inputGradient, batch, inputChannels, outputChannels, channelOffset, spatial); Record(t, () => $"ConcatBackward b{batch} {inputChannels}/{outputChannels}x{spatial}"); }

    public void BatchNormForward(FloatBuffer input, FloatBuffer? gamma, FloatBuffer? beta, FloatBuffer runningMean, FloatBuffer runningVariance,
        FloatBuffer output, FloatBuffer savedMean, FloatBuffer savedInverseStd, int batch, int channels, int spatial, float momentum, float epsilon, bool training)
    { var t = Stopwatch.GetTimestamp(); inner.BatchNormForward(input, gamma, beta, runningMean, runningVariance, output, savedMean, savedInverseStd, batch, channels, spatial, momentum, epsilon, training); Record(t, () => $"BatchNormForward b{batch} {channels}x{spatial}"); }
    public void BatchNormBackward(FloatBuffer input, FloatBuffer? gamma, FloatBuffer savedMean, FloatBuffer savedInverseStd,
        FloatBuffer outputGradient, FloatBuffer inputGradient, FloatBuffer? gammaGradient, FloatBuffer? betaGradient, int batch, int channels, int spatial)
    { var t = Stopwatch.GetTimestamp(); inner.BatchNormBackward(input, gamma, savedMean, savedInverseStd, outputGradient, inputGradient, gammaGradient, betaGradient, batch, channels, spatial); Record(t, () => $"BatchNormBackward b{batch} {channels}x{spatial}"); }

    public void GlobalAvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, int channels, int spatial)
    { var t = Stopwatch.GetTimestamp(); inner.GlobalAvgPool2DForward(input, output, batch, channels, spatial); Record(t, () => $"GlobalAvgPoolForward b{batch} {channels}x{spatial}"); }
    public void GlobalAvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int channels, int spatial)
    { var t = Stopwatch.GetTimestamp(); inner.GlobalAvgPool2DBackward(outputGradient, inputGradient, batch, channels, spatial); Record(t, () => $"GlobalAvgPoolBackward b{batch} {channels}x{spatial}"); }
    public void ZeroPadding2DForward(FloatBuffer input, FloatBuffer output, int batch, int channels, int inHeight, int inWidth, int padTop, int padLeft, int outHeight, int outWidth)
    { var t = Stopwatch.GetTimestamp(); inner.ZeroPadding2DForward(input, output, batch, channels, inHeight, inWidth, padTop, padLeft, outHeight, outWidth); Record(t, () => $"ZeroPaddingForward b{batch} {channels}x{inHeight}x{inWidth}"); }
    public void ZeroPadding2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int channels, int inHeight, int inWidth, int padTop, int padLeft, int outHeight, int outWidth)
    { var t = Stopwatch.GetTimestamp(); inner.ZeroPadding2DBackward(outputGradient, inputGradient, batch, channels, inHeight, inWidth, padTop, padLeft, outHeight, outWidth); Record(t, () => $"ZeroPaddingBackward b{batch} {channels}x{inHeight}x{inWidth}"); }
}
