using System.Runtime.Intrinsics;
using System;
using Xunit;

namespace Unroll.Tests.Kernels;

public class DenseTests
{
    // batch 1 and 3 take the matrix-vector path (3·300·301 splits its rows across threads, leaving a group of fewer than four),
    // 5 and 70 the GEMM (70·40·90 is above the threading threshold).
    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Forward_matches_reference(string backendName)
    {
        var backend = Backends.Named(backendName);
        foreach (var (batch, inputs, units) in new[] { (1, 7, 5), (3, 33, 17), (1, 77, 6), (3, 301, 300), (5, 64, 10), (70, 90, 40) })
            foreach (bool withBias in new[] { true, false })
            {
                var x = Support.Random(batch * inputs, 1); var w = Support.Random(units * inputs, 2); var b = Support.Random(units, 3);
                var y = backend.Allocate(batch * units);
                backend.DenseForward(Support.Upload(backend, x), Support.Upload(backend, w), withBias ? Support.Upload(backend, b) : null, y, batch, new DenseGeometry(inputs, units));
                var expected = Reference.Dense(Support.ToDouble(x), Support.ToDouble(w), withBias ? Support.ToDouble(b) : null, batch, inputs, units);
                Support.Close(expected, Support.Download(backend, y), 1e-5 * Math.Sqrt(inputs), $"y ({batch}, {inputs}, {units}, bias {withBias})");
            }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Backward_matches_finite_differences(string backendName)
    {
        var backend = Backends.Named(backendName);
        foreach (var (batch, inputs, units) in new[] { (1, 7, 5), (4, 13, 9), (70, 40, 90) })
        {
            var x = Support.Random(batch * inputs, 4); var w = Support.Random(units * inputs, 5); var b = Support.Random(units, 6);
            var r = Support.Random(batch * units, 7); // L = Σ y⊙r, so dL/dy = r
            var (xd, wd, bd, rd) = (Support.ToDouble(x), Support.ToDouble(w), Support.ToDouble(b), Support.ToDouble(r));
            var dx = Support.Upload(backend, Filled(batch * inputs)); var dw = Support.Upload(backend, Filled(units * inputs)); var db = Support.Upload(backend, Filled(units));
            backend.DenseBackward(Support.Upload(backend, x), Support.Upload(backend, w), Support.Upload(backend, r), dx, dw, db, batch, new DenseGeometry(inputs, units));

            int stride = batch * inputs > 500 ? 7 : 1;
            // Gradients are sums of `batch` or `units` float products of O(1) values: relative error ≲ 1e-6·√terms; a wrong index is O(1).
            double tol = 1e-5 * Math.Sqrt(Math.Max(batch, units));
            Support.Close(Support.NumericGradient(xd, p => Reference.Dense(p, wd, bd, batch, inputs, units), rd, stride: stride), Support.Download(backend, dx), tol, "dx");
            Support.Close(Support.NumericGradient(wd, p => Reference.Dense(xd, p, bd, batch, inputs, units), rd, stride: stride), Support.Download(backend, dw), tol, "dW");
            Support.Close(Support.NumericGradient(bd, p => Reference.Dense(xd, wd, p, batch, inputs, units), rd), Support.Download(backend, db), tol, "db");

            // A null input gradient skips dx and still produces the same dW.
            var dw2 = backend.Allocate(units * inputs);
            backend.DenseBackward(Support.Upload(backend, x), Support.Upload(backend, w), Support.Upload(backend, r), null, dw2, null, batch, new DenseGeometry(inputs, units));
            Assert.Equal(Support.Download(backend, dw), Support.Download(backend, dw2));
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Short_buffers_are_rejected(string backendName)
    {
        var backend = Backends.Named(backendName);
        var e = Assert.Throws<ArgumentException>(() => backend.DenseForward(backend.Allocate(10), backend.Allocate(5), null, backend.Allocate(4), 2, new DenseGeometry(3, 2)));
        Assert.Contains("weight", e.Message);
    }

    /// <summary>Gradient outputs start as NaN: backward must overwrite, not accumulate.</summary>
    internal static float[] Filled(int length)
    {
        var values = new float[length];
        Array.Fill(values, float.NaN);
        return values;
    }

    [Fact]
    public void Matrix_vector_rows_match_the_reference_at_every_vector_width()
    {
        var widths = Vector512.IsHardwareAccelerated ? new[] { GemmKernel.Vector512, GemmKernel.Vector256, GemmKernel.Scalar } : new[] { GemmKernel.Vector256, GemmKernel.Scalar };
        foreach (var (batch, inputs, units) in new[] { (1, 7, 5), (2, 77, 9), (3, 301, 6) }) // below 16, vector + tail, several vectors
            foreach (var width in widths)
            {
                var x = Support.Random(batch * inputs, 1); var w = Support.Random(units * inputs, 2); var b = Support.Random(units, 3);
                var y = new float[batch * units];
                GemvKernels.Rows(width, x, w, b, y, batch, inputs, units, 0, units);
                var expected = Reference.Dense(Support.ToDouble(x), Support.ToDouble(w), Support.ToDouble(b), batch, inputs, units);
                Support.Close(expected, y, 1e-5 * Math.Sqrt(inputs), $"{width} ({batch}, {inputs}, {units})");
            }
    }
}
