using System;
using System.Collections.Generic;
using Xunit;

namespace Unroll.Tests.Kernels;

/// <summary>
/// Conv2D with groups == in channels takes the direct depthwise kernel. Checked against the naive reference, finite
/// differences, the general im2col path and the scalar fallback, over multipliers 1 and 2, strides 1 and 2, same and valid
/// padding, widths below, at and above one vector, heights not a multiple of the 4-row blocking.
/// </summary>
public class DepthwiseConv2DTests
{
    public static IEnumerable<(string name, int batch, Conv2DGeometry g)> Cases()
    {
        yield return ("3×3 same, multiplier 1", 2, new Conv2DGeometry(3, 7, 6, 3, 3, 3, 1, 1, 1, 1, 7, 6, Groups: 3));
        yield return ("3×3 same, multiplier 2", 2, new Conv2DGeometry(3, 6, 5, 6, 3, 3, 1, 1, 1, 1, 6, 5, Groups: 3));
        yield return ("3×3 stride 2 same (pad top 0, left 0)", 2, new Conv2DGeometry(2, 8, 8, 2, 3, 3, 2, 2, 0, 0, 4, 4, Groups: 2));
        yield return ("3×3 stride 2 same (pad 1), multiplier 2", 2, new Conv2DGeometry(2, 9, 9, 4, 3, 3, 2, 2, 1, 1, 5, 5, Groups: 2));
        yield return ("5×5 stride 2 pad 2, width 37", 1, new Conv2DGeometry(2, 9, 37, 2, 5, 5, 2, 2, 2, 2, 5, 19, Groups: 2));
        yield return ("3×3 stride 2 pad 1, width 70 (odd left pad, vector deinterleave)", 1, new Conv2DGeometry(2, 5, 70, 2, 3, 3, 2, 2, 1, 1, 3, 35, Groups: 2));
        yield return ("3×3 valid, width 35 (3 vectors)", 2, new Conv2DGeometry(2, 6, 35, 2, 3, 3, 1, 1, 0, 0, 4, 33, Groups: 2));
        yield return ("3×3 same, width 16", 1, new Conv2DGeometry(2, 5, 16, 2, 3, 3, 1, 1, 1, 1, 5, 16, Groups: 2));
        yield return ("stride (2, 1), 1×3 pad (0, 1), multiplier 3", 2, new Conv2DGeometry(2, 7, 6, 6, 1, 3, 2, 1, 0, 1, 4, 6, Groups: 2));
        yield return ("2×4 stride (1, 3) pad (1, 2)", 2, new Conv2DGeometry(2, 6, 10, 2, 2, 4, 1, 3, 1, 2, 6, 4, Groups: 2));
        yield return ("1 channel 3×3 same", 2, new Conv2DGeometry(1, 5, 5, 1, 3, 3, 1, 1, 1, 1, 5, 5, Groups: 1));
        // Above the threading threshold: channels are split across threads.
        yield return ("threaded 16×24×24", 4, new Conv2DGeometry(16, 24, 24, 16, 3, 3, 1, 1, 1, 1, 24, 24, Groups: 16));
    }

    private static (FloatBuffer x, FloatBuffer w, FloatBuffer b, FloatBuffer ws) Setup(IBackend backend, int batch, Conv2DGeometry g, ref int seed,
        out float[] x, out float[] w, out float[] b)
    {
        x = Support.Random(batch * g.InputSize, ++seed); w = Support.Random(g.WeightSize, ++seed); b = Support.Random(g.OutChannels, ++seed);
        return (Support.Upload(backend, x), Support.Upload(backend, w), Support.Upload(backend, b), backend.Allocate(backend.Conv2DWorkspaceLength(g, batch)));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Forward_matches_reference(string backendName)
    {
        var backend = Backends.Named(backendName);
        int seed = 0;
        foreach (var (name, batch, g) in Cases())
            foreach (bool withBias in new[] { true, false })
            {
                var (xb, wb, bb, ws) = Setup(backend, batch, g, ref seed, out var x, out var w, out var b);
                var y = Support.Upload(backend, DenseTests.Filled(batch * g.OutputSize));
                backend.Conv2DForward(xb, wb, withBias ? bb : null, y, ws, batch, g);
                var expected = Reference.Conv2D(Support.ToDouble(x), Support.ToDouble(w), withBias ? Support.ToDouble(b) : null, batch, g);
                Support.Close(expected, Support.Download(backend, y), 1e-5, $"{name} (bias {withBias})");
            }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Backward_matches_finite_differences(string backendName)
    {
        var backend = Backends.Named(backendName);
        int seed = 100;
        foreach (var (name, batch, g) in Cases())
        {
            var (xb, wb, _, ws) = Setup(backend, batch, g, ref seed, out var x, out var w, out var b);
            var r = Support.Random(batch * g.OutputSize, ++seed);
            var (xd, wd, bd, rd) = (Support.ToDouble(x), Support.ToDouble(w), Support.ToDouble(b), Support.ToDouble(r));
            var dx = Support.Upload(backend, DenseTests.Filled(batch * g.InputSize));
            var dw = Support.Upload(backend, DenseTests.Filled(g.WeightSize));
            var db = Support.Upload(backend, DenseTests.Filled(g.OutChannels));
            backend.Conv2DBackward(xb, wb, Support.Upload(backend, r), dx, dw, db, ws, batch, g);

            int stride = batch * g.InputSize > 2000 ? 37 : 1;
            // dW sums up to batch·OH·OW products (≈ 2300 in the threaded case): allow for float rounding of that many terms.
            const double tol = 5e-5;
            Support.Close(Support.NumericGradient(xd, p => Reference.Conv2D(p, wd, bd, batch, g), rd, stride: stride), Support.Download(backend, dx), tol, $"{name}: dx");
            Support.Close(Support.NumericGradient(wd, p => Reference.Conv2D(xd, p, bd, batch, g), rd, stride: stride > 1 ? 5 : 1), Support.Download(backend, dw), tol, $"{name}: dW");
            Support.Close(Support.NumericGradient(bd, p => Reference.Conv2D(xd, wd, p, batch, g), rd), Support.Download(backend, db), tol, $"{name}: db");

            var dw2 = Support.Upload(backend, DenseTests.Filled(g.WeightSize));
            backend.Conv2DBackward(xb, wb, Support.Upload(backend, r), null, dw2, null, ws, batch, g);
            Support.Close(Support.ToDouble(Support.Download(backend, dw)), Support.Download(backend, dw2), 1e-6, $"{name}: dW without dx");
        }
    }

    /// <summary>The direct kernel, the general im2col path and the scalar fallback agree (the CPU backend's internals).</summary>
    [Fact]
    public void Direct_im2col_and_scalar_paths_agree()
    {
        var cpu = CpuBackend.Shared;
        int seed = 200;
        foreach (var (name, batch, g) in Cases())
        {
            var (xb, wb, bb, ws) = Setup(cpu, batch, g, ref seed, out _, out _, out _);
            var r = Support.Upload(cpu, Support.Random(batch * g.OutputSize, ++seed));
            float[] Forward(int path)
            {
                var y = cpu.Allocate(batch * g.OutputSize);
                if (path == 2) DepthwiseConv2DKernels.Forward(((CpuBuffer)xb).Array, ((CpuBuffer)wb).Array, ((CpuBuffer)bb).Array, ((CpuBuffer)y).Array, ((CpuBuffer)ws).Array, batch, g, vectorized: false);
                else Conv2DKernels.Forward(xb, wb, bb, y, ws, batch, g, depthwise: path == 0);
                return Support.Download(cpu, y);
            }
            (float[] dx, float[] dw) Backward(int path)
            {
                var dx = cpu.Allocate(batch * g.InputSize); var dw = cpu.Allocate(g.WeightSize);
                if (path == 2) DepthwiseConv2DKernels.Backward(((CpuBuffer)xb).Array, ((CpuBuffer)wb).Array, ((CpuBuffer)r).Array, ((CpuBuffer)dx).Array, ((CpuBuffer)dw).Array, ((CpuBuffer)ws).Array, batch, g, vectorized: false);
                else Conv2DKernels.Backward(xb, wb, r, dx, dw, null, ws, batch, g, depthwise: path == 0);
                return (Support.Download(cpu, dx), Support.Download(cpu, dw));
            }
            var y0 = Support.ToDouble(Forward(0)); var (dx0, dw0) = Backward(0);
            foreach (int path in new[] { 1, 2 })
            {
                Support.Close(y0, Forward(path), 1e-5, $"{name}: y, path {path}");
                var (dx, dw) = Backward(path);
                Support.Close(Support.ToDouble(dx0), dx, 1e-5, $"{name}: dx, path {path}");
                Support.Close(Support.ToDouble(dw0), dw, 1e-4, $"{name}: dW, path {path}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Rejects_a_short_workspace(string backendName)
    {
        var backend = Backends.Named(backendName);
        var g = new Conv2DGeometry(4, 9, 9, 4, 3, 3, 1, 1, 1, 1, 9, 9, Groups: 4);
        // A workspace is short when it holds less than the kernel that runs needs: the CPU's depthwise kernel needs
        // scratch only with AVX-512 (the scalar one none), and the ILGPU kernels need none.
        if (backend is not CpuBackend || DepthwiseConv2DKernels.SlotLength(g) <= 3) return;
        var e = Assert.Throws<ArgumentException>(() => backend.Conv2DForward(backend.Allocate(g.InputSize), backend.Allocate(g.WeightSize), null,
            backend.Allocate(g.OutputSize), backend.Allocate(3), 1, g));
        Assert.Equal("workspace", e.ParamName);
    }

    [Fact]
    public void The_im2col_path_rejects_a_short_workspace_for_a_depthwise_geometry()
    {
        var cpu = CpuBackend.Shared;
        var g = new Conv2DGeometry(4, 9, 9, 4, 3, 3, 1, 1, 1, 1, 9, 9, Groups: 4);
        var e = Assert.Throws<ArgumentException>(() => Conv2DKernels.Forward(cpu.Allocate(g.InputSize), cpu.Allocate(g.WeightSize), null,
            cpu.Allocate(g.OutputSize), cpu.Allocate(3), 1, g, depthwise: false));
        Assert.Equal("workspace", e.ParamName);
    }
}
