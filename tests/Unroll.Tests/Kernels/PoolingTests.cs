using System;
using System.Collections.Generic;
using Xunit;

namespace Unroll.Tests.Kernels;

public class PoolingTests
{
    public static IEnumerable<(string name, Pool2DGeometry g)> Cases()
    {
        yield return ("2×2 stride 2", new Pool2DGeometry(2, 6, 6, 2, 2, 2, 2, 0, 0, 3, 3));
        yield return ("3×3 stride 2 pad 1 (bottom padded, right not)", new Pool2DGeometry(2, 7, 8, 3, 3, 2, 2, 1, 1, 4, 4));
        yield return ("3×2 stride (1, 2), overlapping", new Pool2DGeometry(3, 5, 7, 3, 2, 1, 2, 0, 0, 3, 3));
        yield return ("2×2 stride 2 pad (1, 0)", new Pool2DGeometry(1, 5, 4, 2, 2, 2, 2, 1, 0, 3, 2));
        yield return ("2×2 stride 2, odd sizes (last row and column unread)", new Pool2DGeometry(2, 7, 9, 2, 2, 2, 2, 0, 0, 3, 4));
        // Rows of eight windows or more take the vector path, the last eight overlapping the ones before.
        yield return ("2×2 stride 2, rows of 9 windows", new Pool2DGeometry(2, 4, 18, 2, 2, 2, 2, 0, 0, 2, 9));
        yield return ("2×2 stride 2, rows of 10 windows, odd sizes", new Pool2DGeometry(1, 5, 21, 2, 2, 2, 2, 0, 0, 2, 10));
    }

    private const int Batch = 2;

    /// <summary>Large enough that the kernels split the planes across threads.</summary>
    private const int LargeBatch = 300;

    /// <summary>Distinct values at least 0.01 apart, so no window has a tie and finite differences never cross a kink.</summary>
    private static float[] Distinct(int length, int seed)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (i - length / 2) * 0.01f;
        new Random(seed).Shuffle(values);
        return values;
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Forward_matches_reference(string backendName)
    {
        var backend = Backends.Named(backendName);
        foreach (var (name, g) in Cases())
            foreach (bool max in new[] { true, false })
            {
                var x = Support.Random(Batch * g.InputSize, 1);
                var y = backend.Allocate(Batch * g.OutputSize);
                if (max) backend.MaxPool2DForward(Support.Upload(backend, x), y, Batch, g);
                else backend.AvgPool2DForward(Support.Upload(backend, x), y, Batch, g);
                Support.Close(Reference.Pool(Support.ToDouble(x), Batch, g, max), Support.Download(backend, y), 1e-6, $"{(max ? "max" : "avg")} {name}");
            }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Backward_matches_finite_differences(string backendName)
    {
        var backend = Backends.Named(backendName);
        int seed = 10;
        foreach (var (name, g) in Cases())
        {
            var x = Distinct(Batch * g.InputSize, ++seed);
            var r = Support.Random(Batch * g.OutputSize, ++seed);
            var (xd, rd) = (Support.ToDouble(x), Support.ToDouble(r));
            // Pool gradients are sums of a few dy values (scaled by 1/count): float error ~1e-7, so 1e-5 is loose yet catches any misrouting.
            var dx = Support.Upload(backend, DenseTests.Filled(x.Length));
            backend.MaxPool2DBackward(Support.Upload(backend, x), Support.Upload(backend, r), dx, Batch, g);
            Support.Close(Support.NumericGradient(xd, p => Reference.Pool(p, Batch, g, true), rd, h: 1e-3), Support.Download(backend, dx), 1e-5, $"max {name}: dx");

            dx = Support.Upload(backend, DenseTests.Filled(x.Length));
            backend.AvgPool2DBackward(Support.Upload(backend, r), dx, Batch, g);
            Support.Close(Support.NumericGradient(xd, p => Reference.Pool(p, Batch, g, false), rd), Support.Download(backend, dx), 1e-5, $"avg {name}: dx");
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Large_batches_split_across_threads_match_the_reference(string backendName)
    {
        var backend = Backends.Named(backendName);
        foreach (var (name, g) in Cases())
        {
            var x = Distinct(LargeBatch * g.InputSize, 3);
            var dy = Support.Random(LargeBatch * g.OutputSize, 4);
            foreach (bool max in new[] { true, false })
            {
                var y = backend.Allocate(LargeBatch * g.OutputSize);
                var dx = Support.Upload(backend, DenseTests.Filled(x.Length));
                if (max)
                {
                    backend.MaxPool2DForward(Support.Upload(backend, x), y, LargeBatch, g);
                    backend.MaxPool2DBackward(Support.Upload(backend, x), Support.Upload(backend, dy), dx, LargeBatch, g);
                }
                else
                {
                    backend.AvgPool2DForward(Support.Upload(backend, x), y, LargeBatch, g);
                    backend.AvgPool2DBackward(Support.Upload(backend, dy), dx, LargeBatch, g);
                }
                var label = $"{(max ? "max" : "avg")} {name}, batch {LargeBatch}";
                // Inputs reach ±(count / 200), so float rounding of a window's sum is about 1e-5.
                Support.Close(Reference.Pool(Support.ToDouble(x), LargeBatch, g, max), Support.Download(backend, y), 1e-4, label);
                Support.Close(Reference.PoolBackward(Support.ToDouble(x), Support.ToDouble(dy), LargeBatch, g, max), Support.Download(backend, dx), 1e-4, label + ": dx");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Max_backward_routes_ties_to_the_first_max(string backendName)
    {
        var backend = Backends.Named(backendName);
        // Rows of eight windows (the vector path): every cell equal, so each window's top-left cell takes its gradient.
        var wide = new Pool2DGeometry(1, 2, 16, 2, 2, 2, 2, 0, 0, 1, 8);
        var gradient = backend.Allocate(32);
        backend.MaxPool2DBackward(Support.Upload(backend, new float[32]), Support.Upload(backend, [1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f]), gradient, 1, wide);
        var expected = new float[32];
        for (int i = 0; i < 8; i++) expected[2 * i] = i + 1;
        Assert.Equal(expected, Support.Download(backend, gradient));

        var g = new Pool2DGeometry(1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1);
        var dx = backend.Allocate(4);
        backend.MaxPool2DBackward(Support.Upload(backend, [1f, 3f, 3f, 2f]), Support.Upload(backend, [5f]), dx, 1, g);
        Assert.Equal(new float[] { 0, 5, 0, 0 }, Support.Download(backend, dx));
    }
}
