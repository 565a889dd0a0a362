using System;
using Xunit;

namespace Unroll.Tests.Kernels;

/// <summary>Once warm, kernels allocate nothing, threading included (see <see cref="NoAllocation"/>).</summary>
[Collection(nameof(NoAllocation))]
public class AllocationTests
{
    private static void AssertNoAllocation(Action action) => NoAllocation.Assert(action);

    [Theory]
    [MemberData(nameof(Backends.AllocationChecked), MemberType = typeof(Backends))]
    public void Dense_forward_and_backward(string backendName)
    {
        var backend = Backends.Named(backendName);
        const int batch = 64, inputs = 784, units = 256; // the FashionMlp first layer: multi-threaded GEMMs
        var x = backend.Allocate(batch * inputs); var w = backend.Allocate(units * inputs); var b = backend.Allocate(units);
        var y = backend.Allocate(batch * units); var dx = backend.Allocate(batch * inputs); var dw = backend.Allocate(units * inputs); var db = backend.Allocate(units);
        AssertNoAllocation(() =>
        {
            backend.DenseForward(x, w, b, y, batch, new DenseGeometry(inputs, units));
            backend.DenseBackward(x, w, y, dx, dw, db, batch, new DenseGeometry(inputs, units));
            backend.DenseForward(x, w, b, y, 1, new DenseGeometry(inputs, units));
        });
    }

    [Theory]
    [MemberData(nameof(Backends.AllocationChecked), MemberType = typeof(Backends))]
    public void Conv2D_forward_and_backward(string backendName)
    {
        var backend = Backends.Named(backendName);
        const int batch = 16;
        var g = new Conv2DGeometry(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 28, 28); // LeNet-5's first layer
        var x = backend.Allocate(batch * g.InputSize); var w = backend.Allocate(g.WeightSize); var b = backend.Allocate(g.OutChannels);
        var y = backend.Allocate(batch * g.OutputSize); var dx = backend.Allocate(batch * g.InputSize); var dw = backend.Allocate(g.WeightSize); var db = backend.Allocate(g.OutChannels);
        var ws = backend.Allocate(backend.Conv2DWorkspaceLength(g, batch));
        var pool = new Pool2DGeometry(6, 28, 28, 2, 2, 2, 2, 0, 0, 14, 14);
        var pooled = backend.Allocate(batch * pool.OutputSize);
        AssertNoAllocation(() =>
        {
            backend.Conv2DForward(x, w, b, y, ws, batch, g);
            backend.Conv2DBackward(x, w, y, dx, dw, db, ws, batch, g);
            backend.Conv2DForward(x, w, b, y, ws, 1, g);
            backend.ActivationForward(Activation.Relu, 0, y, y, batch, g.OutputSize);
            backend.MaxPool2DForward(y, pooled, batch, pool);
            backend.MaxPool2DBackward(y, pooled, y, batch, pool);
            backend.ActivationForward(Activation.Softmax, 0, y, y, batch, g.OutputSize);
            backend.ActivationBackward(Activation.Softmax, 0, y, y, y, y, batch, g.OutputSize);
            backend.DropoutForward(y, y, dx, 0.5f, 3, batch * g.InputSize);
        });
    }

    [Fact]
    public void Large_multithreaded_gemm()
    {
        const int n = 512;
        var a = new float[n * n]; var b = new float[n * n]; var c = new float[n * n];
        Assert.True((long)n * n * n >= Gemm.ParallelThreshold);
        AssertNoAllocation(() =>
        {
            Gemm.MultiplyParallel(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
            Gemm.MultiplyParallel(true, true, n, n, n, 1f, a, n, b, n, 1f, c, n);
        });
    }
}
