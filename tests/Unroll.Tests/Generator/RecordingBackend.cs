using System;
using System.Collections.Generic;
using System.Linq;

namespace Unroll.Tests.Generator;

/// <summary>
/// A backend that does no arithmetic and writes down every call: its name, each buffer as its length (so the literal sizes
/// show), and the other arguments. <see cref="Buffers"/> keeps the buffers of each call for identity checks.
/// </summary>
internal sealed class RecordingBackend : IBackend
{
    public List<string> Calls { get; } = new();

    public List<FloatBuffer?[]> Buffers { get; } = new();

    public List<int> Allocations { get; } = new();

    public bool Recording { get; set; } = true;

    public string Name => "recording";

    public FloatBuffer Allocate(int length)
    {
        Allocations.Add(length);
        return new CpuBuffer(length);
    }

    private void Log(string name, params object?[] args)
    {
        if (!Recording) return;
        Calls.Add(name + "(" + string.Join(", ", args.Select(Format)) + ")");
        Buffers.Add(args.OfType<FloatBuffer>().Concat(args.Where(a => a is null).Select(_ => (FloatBuffer?)null)).ToArray());
    }

    private static string Format(object? arg) => arg switch
    {
        null => "null",
        FloatBuffer b => "[" + b.Length + "]",
        Conv2DGeometry g => $"conv {g.InChannels}x{g.InHeight}x{g.InWidth}→{g.OutChannels}x{g.OutHeight}x{g.OutWidth} k{g.KernelHeight}x{g.KernelWidth} s{g.StrideHeight},{g.StrideWidth} p{g.PadTop},{g.PadLeft}",
        Pool2DGeometry g => $"pool {g.Channels}x{g.InHeight}x{g.InWidth}→{g.OutHeight}x{g.OutWidth} w{g.WindowHeight}x{g.WindowWidth} s{g.StrideHeight},{g.StrideWidth} p{g.PadTop},{g.PadLeft}",
        float f => f.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(arg, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    public void Upload(ReadOnlySpan<float> source, FloatBuffer destination, int offset = 0) => source.CopyTo(destination.Span.Slice(offset));

    public void Download(FloatBuffer source, int offset, Span<float> destination) => source.Span.Slice(offset, destination.Length).CopyTo(destination);

    public void Copy(FloatBuffer source, FloatBuffer destination, int length) => Log(nameof(Copy), source, destination, length);

    public void DenseForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, int batch, int inputs, int units)
        => Log(nameof(DenseForward), input, weight, bias, output, batch, inputs, units);

    public void DenseBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient, int batch, int inputs, int units)
        => Log(nameof(DenseBackward), input, weight, outputGradient, inputGradient, weightGradient, biasGradient, batch, inputs, units);

    /// <summary>Replaces the workspace length the backend reports (to test how generated constructors handle a failing one).</summary>
    public Func<Conv2DGeometry, int, int>? WorkspaceLength { get; init; }

    public int Conv2DWorkspaceLength(in Conv2DGeometry geometry, int capacity) => WorkspaceLength?.Invoke(geometry, capacity) ?? geometry.InputSize * capacity;

    public void Conv2DForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace, int batch, in Conv2DGeometry geometry)
        => Log(nameof(Conv2DForward), input, weight, bias, output, workspace, batch, geometry);

    public void Conv2DBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace, int batch, in Conv2DGeometry geometry)
        => Log(nameof(Conv2DBackward), input, weight, outputGradient, inputGradient, weightGradient, biasGradient, workspace, batch, geometry);

    public void MaxPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry)
        => Log(nameof(MaxPool2DForward), input, output, batch, geometry);

    public void MaxPool2DBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry)
        => Log(nameof(MaxPool2DBackward), input, outputGradient, inputGradient, batch, geometry);

    public void AvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry)
        => Log(nameof(AvgPool2DForward), input, output, batch, geometry);

    public void AvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry)
        => Log(nameof(AvgPool2DBackward), outputGradient, inputGradient, batch, geometry);

    public void ActivationForward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output, int batch, int features)
        => Log(nameof(ActivationForward), activation, alpha, input, output, batch, features);

    public void ActivationBackward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int features)
        => Log(nameof(ActivationBackward), activation, alpha, input, output, outputGradient, inputGradient, batch, features);

    public void DropoutForward(FloatBuffer input, FloatBuffer output, FloatBuffer mask, float rate, ulong seed, int length)
        => Log(nameof(DropoutForward), input, output, mask, rate, "seed", length);

    public void DropoutBackward(FloatBuffer mask, FloatBuffer outputGradient, FloatBuffer inputGradient, int length)
        => Log(nameof(DropoutBackward), mask, outputGradient, inputGradient, length);

    public void Add(FloatBuffer a, FloatBuffer b, FloatBuffer output, int length) => Log(nameof(Add), a, b, output, length);

    public void Scale(FloatBuffer input, FloatBuffer output, float factor, int length) => Log(nameof(Scale), input, output, factor, length);

    public void AddInPlace(FloatBuffer source, FloatBuffer destination, int length) => Log(nameof(AddInPlace), source, destination, length);

    public void ConcatChannelsForward(FloatBuffer input, FloatBuffer output, int batch, int inputChannels, int outputChannels, int channelOffset, int spatial)
        => Log(nameof(ConcatChannelsForward), input, output, batch, inputChannels, outputChannels, channelOffset, spatial);

    public void ConcatChannelsBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int inputChannels, int outputChannels, int channelOffset, int spatial)
        => Log(nameof(ConcatChannelsBackward), outputGradient, inputGradient, batch, inputChannels, outputChannels, channelOffset, spatial);

    public void BatchNormForward(FloatBuffer input, FloatBuffer? gamma, FloatBuffer? beta, FloatBuffer runningMean, FloatBuffer runningVariance, FloatBuffer output, FloatBuffer savedMean, FloatBuffer savedInverseStd, int batch, int channels, int spatial, float momentum, float epsilon, bool training)
        => Log(nameof(BatchNormForward), input, gamma, beta, runningMean, runningVariance, output, savedMean, savedInverseStd, batch, channels, spatial, momentum, epsilon, training);

    public void BatchNormBackward(FloatBuffer input, FloatBuffer? gamma, FloatBuffer savedMean, FloatBuffer savedInverseStd, FloatBuffer outputGradient, FloatBuffer inputGradient, FloatBuffer? gammaGradient, FloatBuffer? betaGradient, int batch, int channels, int spatial)
        => Log(nameof(BatchNormBackward), input, gamma, savedMean, savedInverseStd, outputGradient, inputGradient, gammaGradient, betaGradient, batch, channels, spatial);

    public void GlobalAvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, int channels, int spatial)
        => Log(nameof(GlobalAvgPool2DForward), input, output, batch, channels, spatial);

    public void GlobalAvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int channels, int spatial)
        => Log(nameof(GlobalAvgPool2DBackward), outputGradient, inputGradient, batch, channels, spatial);

    public void ZeroPadding2DForward(FloatBuffer input, FloatBuffer output, int batch, int channels, int inHeight, int inWidth, int padTop, int padLeft, int outHeight, int outWidth)
        => Log(nameof(ZeroPadding2DForward), input, output, batch, channels, inHeight, inWidth, padTop, padLeft, outHeight, outWidth);

    public void ZeroPadding2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int channels, int inHeight, int inWidth, int padTop, int padLeft, int outHeight, int outWidth)
        => Log(nameof(ZeroPadding2DBackward), outputGradient, inputGradient, batch, channels, inHeight, inWidth, padTop, padLeft, outHeight, outWidth);
}
