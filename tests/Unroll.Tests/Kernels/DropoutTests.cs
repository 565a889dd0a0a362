using System;
using System.Linq;
using Xunit;

namespace Unroll.Tests.Kernels;

public class DropoutTests
{
    private static float[] Mask(IBackend backend, float rate, ulong seed, int length)
    {
        var mask = backend.Allocate(length);
        backend.DropoutForward(Support.Upload(backend, new float[length]), backend.Allocate(length), mask, rate, seed, length);
        return Support.Download(backend, mask);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Mask_is_deterministic_per_seed_and_drops_about_rate(string backendName)
    {
        var backend = Backends.Named(backendName);
        const int length = 100_000;
        const float rate = 0.3f;
        var a = Mask(backend, rate, 42, length);
        Assert.Equal(a, Mask(backend, rate, 42, length));
        var other = Mask(backend, rate, 43, length);
        Assert.NotEqual(a, other);
        float keep = 1f / (1f - rate);
        Assert.All(a, v => Assert.True(v == 0f || v == keep, $"mask value {v}"));
        // Binomial: σ of the drop fraction is √(0.3·0.7/1e5) ≈ 0.0015; 0.01 is over 6σ.
        Assert.InRange(a.Count(v => v == 0f) / (double)length, rate - 0.01, rate + 0.01);
        // Masks of different seeds agree only as often as independent draws would (0.7² + 0.3² = 0.58).
        Assert.InRange(a.Zip(other).Count(p => p.First == p.Second) / (double)length, 0.56, 0.60);
        // A prefix of a longer mask is the shorter mask: each value depends only on (seed, index).
        Assert.Equal(a.AsSpan(0, 1000).ToArray(), Mask(backend, rate, 42, 1000));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Rate_zero_keeps_everything(string backendName)
    {
        var backend = Backends.Named(backendName);
        var x = Support.Random(100, 1);
        var y = backend.Allocate(100); var mask = backend.Allocate(100);
        backend.DropoutForward(Support.Upload(backend, x), y, mask, 0f, 7, 100);
        Assert.All(Support.Download(backend, mask), v => Assert.Equal(1f, v));
        Assert.Equal(x, Support.Download(backend, y));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Backward_matches_finite_differences(string backendName)
    {
        var backend = Backends.Named(backendName);
        const int length = 257;
        var x = Support.Random(length, 2); var r = Support.Random(length, 3);
        var y = backend.Allocate(length); var maskBuffer = backend.Allocate(length);
        backend.DropoutForward(Support.Upload(backend, x), y, maskBuffer, 0.4f, 99, length);
        var mask = Support.ToDouble(Support.Download(backend, maskBuffer));
        // The forward with the seed's mask fixed is y = x⊙mask.
        Support.Close(Support.ToDouble(x).Zip(mask, (a, m) => a * m).ToArray(), Support.Download(backend, y), 1e-6, "y");
        var dx = Support.Upload(backend, DenseTests.Filled(length));
        backend.DropoutBackward(maskBuffer, Support.Upload(backend, r), dx, length);
        var expected = Support.NumericGradient(Support.ToDouble(x), p => p.Zip(mask, (a, m) => a * m).ToArray(), Support.ToDouble(r));
        Support.Close(expected, Support.Download(backend, dx), 1e-6, "dx");
    }
}
