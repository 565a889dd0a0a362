using System;
using System.Collections.Generic;
using Xunit;

namespace Unroll.Tests.Kernels;

public class Conv2DTests
{
    /// <summary>Named geometries: stride 1 and 2, valid and asymmetric same-like padding, 1×n and n×1 kernels, groups 1 and 2, the 1×1 shortcut.</summary>
    public static IEnumerable<(string name, int batch, Conv2DGeometry g)> Cases()
    {
        yield return ("valid 3×3", 2, new Conv2DGeometry(3, 7, 6, 4, 3, 3, 1, 1, 0, 0, 5, 4));
        yield return ("stride 2 same (pad top 0, left 1)", 2, new Conv2DGeometry(2, 8, 7, 3, 3, 3, 2, 2, 0, 1, 4, 4));
        yield return ("stride (2,1) pad 1", 2, new Conv2DGeometry(2, 7, 6, 3, 3, 3, 2, 1, 1, 1, 4, 6));
        yield return ("1×3 same", 2, new Conv2DGeometry(2, 5, 6, 3, 1, 3, 1, 1, 0, 1, 5, 6));
        yield return ("3×1 same", 2, new Conv2DGeometry(2, 5, 6, 3, 3, 1, 1, 1, 1, 0, 5, 6));
        yield return ("groups 2, 3×3 same", 2, new Conv2DGeometry(4, 6, 5, 6, 3, 3, 1, 1, 1, 1, 6, 5, Groups: 2));
        yield return ("groups 2, 1×1", 3, new Conv2DGeometry(4, 5, 5, 6, 1, 1, 1, 1, 0, 0, 5, 5, Groups: 2));
        yield return ("5×5 stride 2 pad 2, groups 2", 2, new Conv2DGeometry(2, 9, 9, 4, 5, 5, 2, 2, 2, 2, 5, 5, Groups: 2));
        // Above the threading threshold: samples are split across threads.
        yield return ("threaded batch 12", 12, new Conv2DGeometry(3, 12, 12, 8, 3, 3, 1, 1, 1, 1, 12, 12));
        // Stride 1 and at most 16 channels: the direct kernel (rows of eight pixels, an overlapping last block, padding
        // cut at every edge, uneven bottom/right padding, threads); 17 output channels go back to im2col.
        yield return ("direct: 16 out, 5×5 pad (2, 1)", 3, new Conv2DGeometry(6, 12, 11, 16, 5, 5, 1, 1, 2, 1, 10, 9));
        yield return ("direct: 1 in, 5×5 same", 3, new Conv2DGeometry(1, 10, 14, 6, 5, 5, 1, 1, 2, 2, 10, 14));
        // More than eight input channels and rows wider than 16: the input gradient by channel lanes, not row lanes.
        yield return ("direct: 10 in, 3×3 same, 20 wide", 2, new Conv2DGeometry(10, 4, 20, 5, 3, 3, 1, 1, 1, 1, 4, 20));
        yield return ("17 out channels, 3×3 same", 2, new Conv2DGeometry(2, 5, 9, 17, 3, 3, 1, 1, 1, 1, 5, 9));
    }

    /// <summary>
    /// More forward cases, for the kernel with pixels in the lanes (any stride; more than 16 channels, so not the direct
    /// kernel on AVX-512), which backward does not use: a last block of channels overlapping the one before, one sample
    /// split across threads, a 1×1 stride-2 shortcut, stride 3 with the last input row and columns left unread.
    /// </summary>
    public static IEnumerable<(string name, int batch, Conv2DGeometry g)> ForwardCases()
    {
        foreach (var c in Cases()) yield return c;
        yield return ("pixel lanes: 17 → 22, 3×3 same, one sample, threaded", 1, new Conv2DGeometry(17, 9, 9, 22, 3, 3, 1, 1, 1, 1, 9, 9));
        yield return ("pixel lanes: 20 → 24, 3×3 stride 2 same on 7×7", 2, new Conv2DGeometry(20, 7, 7, 24, 3, 3, 2, 2, 1, 1, 4, 4));
        yield return ("pixel lanes: 1×1 stride 2 shortcut", 2, new Conv2DGeometry(17, 8, 8, 20, 1, 1, 2, 2, 0, 0, 4, 4));
        yield return ("pixel lanes: 7×7 stride 3 pad (3, 2), edges unread", 1, new Conv2DGeometry(3, 20, 19, 18, 7, 7, 3, 3, 3, 2, 6, 5));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Forward_matches_reference(string backendName)
    {
        var backend = Backends.Named(backendName);
        int seed = 0;
        foreach (var (name, batch, g) in ForwardCases())
            foreach (bool withBias in new[] { true, false })
            {
                var x = Support.Random(batch * g.InputSize, ++seed); var w = Support.Random(g.WeightSize, ++seed); var b = Support.Random(g.OutChannels, ++seed);
                var y = backend.Allocate(batch * g.OutputSize);
                var ws = backend.Allocate(backend.Conv2DWorkspaceLength(g, batch));
                backend.Conv2DForward(Support.Upload(backend, x), Support.Upload(backend, w), withBias ? Support.Upload(backend, b) : null, y, ws, batch, g);
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
            var x = Support.Random(batch * g.InputSize, ++seed); var w = Support.Random(g.WeightSize, ++seed); var b = Support.Random(g.OutChannels, ++seed);
            var r = Support.Random(batch * g.OutputSize, ++seed);
            var (xd, wd, bd, rd) = (Support.ToDouble(x), Support.ToDouble(w), Support.ToDouble(b), Support.ToDouble(r));
            var ws = backend.Allocate(backend.Conv2DWorkspaceLength(g, batch));
            var dx = Support.Upload(backend, DenseTests.Filled(batch * g.InputSize));
            var dw = Support.Upload(backend, DenseTests.Filled(g.WeightSize));
            var db = Support.Upload(backend, DenseTests.Filled(g.OutChannels));
            backend.Conv2DBackward(Support.Upload(backend, x), Support.Upload(backend, w), Support.Upload(backend, r), dx, dw, db, ws, batch, g);

            // Each gradient entry sums at most a few hundred float products of O(1) values (≲ 1e-5 relative);
            // the double-precision finite differences are exact to ~1e-9, so a misplaced or missing term shows as O(1).
            int stride = batch > 4 ? 11 : 1;
            const double tol = 2e-5;
            Support.Close(Support.NumericGradient(xd, p => Reference.Conv2D(p, wd, bd, batch, g), rd, stride: stride), Support.Download(backend, dx), tol, $"{name}: dx");
            Support.Close(Support.NumericGradient(wd, p => Reference.Conv2D(xd, p, bd, batch, g), rd, stride: stride), Support.Download(backend, dw), tol, $"{name}: dW");
            Support.Close(Support.NumericGradient(bd, p => Reference.Conv2D(xd, wd, p, batch, g), rd), Support.Download(backend, db), tol, $"{name}: db");

            var dw2 = backend.Allocate(g.WeightSize);
            backend.Conv2DBackward(Support.Upload(backend, x), Support.Upload(backend, w), Support.Upload(backend, r), null, dw2, null, ws, batch, g);
            Support.Close(Support.ToDouble(Support.Download(backend, dw)), Support.Download(backend, dw2), 1e-6, $"{name}: dW without dx");
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Groups_must_divide_channels(string backendName)
    {
        var backend = Backends.Named(backendName);
        var g = new Conv2DGeometry(3, 5, 5, 4, 3, 3, 1, 1, 0, 0, 3, 3, Groups: 2);
        Assert.Throws<ArgumentException>(() => backend.Conv2DWorkspaceLength(g, 1));
    }
}
