using System;

namespace Unroll;

// SKELETON: replaced by the real implementation (kernels on TensorPrimitives / Vector512).
public sealed class CpuBackend : IBackend
{
    public static CpuBackend Shared { get; } = new();
    public string Name => "cpu";
    public FloatBuffer Allocate(int length) => new CpuBuffer(length);
    public void Upload(ReadOnlySpan<float> source, FloatBuffer destination, int offset = 0) => source.CopyTo(destination.Span.Slice(offset));
    public void Download(FloatBuffer source, int offset, Span<float> destination) => source.Span.Slice(offset, destination.Length).CopyTo(destination);
    public void Copy(FloatBuffer source, FloatBuffer destination, int length) => source.Span.Slice(0, length).CopyTo(destination.Span);
    public void DenseForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, int batch, int inputs, int units) => throw new NotImplementedException();
    public void DenseBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient, int batch, int inputs, int units) => throw new NotImplementedException();
    public int Conv2DWorkspaceLength(in Conv2DGeometry geometry, int capacity) => 0;
    public void Conv2DForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace, int batch, in Conv2DGeometry geometry) => throw new NotImplementedException();
    public void Conv2DBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace, int batch, in Conv2DGeometry geometry) => throw new NotImplementedException();
    public void MaxPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry) => throw new NotImplementedException();
    public void MaxPool2DBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry) => throw new NotImplementedException();
    public void AvgPool2DForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry geometry) => throw new NotImplementedException();
    public void AvgPool2DBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry geometry) => throw new NotImplementedException();
    public void ActivationForward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output, int batch, int features) => throw new NotImplementedException();
    public void ActivationBackward(Activation activation, float alpha, FloatBuffer input, FloatBuffer output, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int features) => throw new NotImplementedException();
    public void DropoutForward(FloatBuffer input, FloatBuffer output, FloatBuffer mask, float rate, ulong seed, int length) => throw new NotImplementedException();
    public void DropoutBackward(FloatBuffer mask, FloatBuffer outputGradient, FloatBuffer inputGradient, int length) => throw new NotImplementedException();
}
