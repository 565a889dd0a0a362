using System;
using System.Runtime.Intrinsics;

namespace Unroll;

/// <summary>
/// The CPU backend: buffers are managed arrays, matrix products run on <see cref="Gemm"/> (packed panels, Vector512 or
/// Vector256 FMA micro-kernels) and large kernels are split across a persistent worker pool. Nothing allocates per call
/// once warm.
/// </summary>
/// <example><code>
/// IBackend cpu = CpuBackend.Shared;
/// var x = cpu.Allocate(batch * inputs);
/// </code></example>
public sealed partial class CpuBackend : IBackend
{
    /// <summary>The process-wide instance (the worker pool and packing buffers are shared anyway).</summary>
    public static CpuBackend Shared { get; } = new();

    /// <inheritdoc/>
    public string Name { get; } = $"cpu ({Isa}, {CpuParallel.ThreadCount} thread{(CpuParallel.ThreadCount == 1 ? "" : "s")})";

    private static string Isa => Gemm.DefaultKernel switch
    {
        GemmKernel.Vector512 => "avx512",
        GemmKernel.Vector256 => Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "avx2" : "simd256",
        _ => "scalar",
    };

    /// <inheritdoc/>
    public FloatBuffer Allocate(int length) => new CpuBuffer(length);

    /// <inheritdoc/>
    public void Upload(ReadOnlySpan<float> source, FloatBuffer destination, int offset = 0)
        => source.CopyTo(destination.Span.Slice(offset));

    /// <inheritdoc/>
    public void Download(FloatBuffer source, int offset, Span<float> destination)
        => source.Span.Slice(offset, destination.Length).CopyTo(destination);

    /// <inheritdoc/>
    public void Copy(FloatBuffer source, FloatBuffer destination, int length)
        => source.Span.Slice(0, length).CopyTo(destination.Span);

    /// <inheritdoc/>
    public void DenseForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, int batch, in DenseGeometry geometry)
        => DenseKernels.Forward(input, weight, bias, output, batch, geometry.Inputs, geometry.Units);

    /// <inheritdoc/>
    public void DenseBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        FloatBuffer weightGradient, FloatBuffer? biasGradient, int batch, in DenseGeometry geometry)
        => DenseKernels.Backward(input, weight, outputGradient, inputGradient, weightGradient, biasGradient, batch, geometry.Inputs, geometry.Units);

    /// <inheritdoc/>
    /// <remarks>One im2col buffer and one weight-gradient partial per worker thread; independent of the batch.</remarks>
    public int Conv2DWorkspaceLength(in Conv2DGeometry geometry, int capacity) => Conv2DKernels.WorkspaceLength(geometry, capacity);

    /// <inheritdoc/>
    public void Conv2DForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace,
        int batch, in Conv2DGeometry geometry)
        => Conv2DKernels.Forward(input, weight, bias, output, workspace, batch, geometry);

    /// <inheritdoc/>
    public void Conv2DBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace, int batch, in Conv2DGeometry geometry)
        => Conv2DKernels.Backward(input, weight, outputGradient, inputGradient, weightGradient, biasGradient, workspace, batch, geometry);

    /// <inheritdoc/>
    public void Conv2DTransposeForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace,
        int batch, in Conv2DTransposeGeometry geometry)
        => Conv2DTransposeKernels.Forward(input, weight, bias, output, workspace, batch, geometry);

    /// <inheritdoc/>
    public void Conv2DTransposeBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace, int batch, in Conv2DTransposeGeometry geometry)
        => Conv2DTransposeKernels.Backward(input, weight, outputGradient, inputGradient, weightGradient, biasGradient, workspace, batch, geometry);

    /// <inheritdoc/>
    public void MaxPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry)
        => PoolingKernels.MaxForward(input, output, batch, geometry);

    /// <inheritdoc/>
    public void MaxPool2DBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry)
        => PoolingKernels.MaxBackward(input, outputGradient, inputGradient, batch, geometry);

    /// <inheritdoc/>
    public void AvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry)
        => PoolingKernels.AvgForward(input, output, batch, geometry);

    /// <inheritdoc/>
    public void AvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry)
        => PoolingKernels.AvgBackward(outputGradient, inputGradient, batch, geometry);

    /// <inheritdoc/>
    public void ActivationForward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output, int batch, int features)
        => ActivationKernels.Forward(activation, alpha, input, output, batch, features);

    /// <inheritdoc/>
    public void ActivationBackward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output,
        FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int features)
        => ActivationKernels.Backward(activation, alpha, input, output, outputGradient, inputGradient, batch, features);

    /// <inheritdoc/>
    public void DropoutForward(FloatBuffer input, FloatBuffer output, FloatBuffer mask, float rate, ulong seed, int length)
        => DropoutKernels.Forward(input, output, mask, rate, seed, length);

    /// <inheritdoc/>
    public void DropoutBackward(FloatBuffer mask, FloatBuffer outputGradient, FloatBuffer inputGradient, int length)
        => DropoutKernels.Backward(mask, outputGradient, inputGradient, length);
}
