using System;
using System.Collections.Generic;
using Xunit;

namespace Unroll.Tests.Kernels;

public class BatchNormTests
{
    private const float Epsilon = 1e-3f, Momentum = 0.9f;

    /// <summary>(batch, channels, spatial): a conv feature map, spatial 1 (after Dense), odd sizes for the vector tails, and one above the threading threshold.</summary>
    public static IEnumerable<(string name, int batch, int channels, int spatial)> Cases()
    {
        yield return ("conv 2×3×(5×7)", 2, 3, 35);
        yield return ("dense 8×5 (spatial 1)", 8, 5, 1);
        yield return ("wide planes 3×2×130", 3, 2, 130);
        yield return ("threaded 4×16×1024", 4, 16, 1024);
    }

    /// <summary>Each channel gets its own offset and scale, so per-channel bookkeeping errors show.</summary>
    private static float[] Input(int batch, int channels, int spatial, int seed)
    {
        var x = Support.Random(batch * channels * spatial, seed);
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int s = 0; s < spatial; s++) x[(n * channels + c) * spatial + s] = x[(n * channels + c) * spatial + s] * (1 + c) + 0.5f * c;
        return x;
    }

    private sealed record State(FloatBuffer X, FloatBuffer Gamma, FloatBuffer Beta, FloatBuffer RunningMean, FloatBuffer RunningVariance,
        FloatBuffer Y, FloatBuffer SavedMean, FloatBuffer SavedInverseStd);

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Training_forward_normalises_each_channel_and_updates_running_statistics(string backendName)
    {
        var backend = Backends.Named(backendName);
        int seed = 0;
        foreach (var (name, batch, channels, spatial) in Cases())
        {
            int count = batch * spatial;
            var gamma = Support.Random(channels, ++seed, 0.5f, 1.5f); var beta = Support.Random(channels, ++seed);
            var rm0 = Support.Random(channels, ++seed); var rv0 = Support.Random(channels, ++seed, 0.5f, 2f);
            var rm = Support.Upload(backend, rm0); var rv = Support.Upload(backend, rv0);
            var (g, b) = (Support.Upload(backend, gamma), Support.Upload(backend, beta));
            var expectedMean = Support.ToDouble(rm0); var expectedVariance = Support.ToDouble(rv0);
            for (int step = 1; step <= 2; step++)
            {
                var x = Input(batch, channels, spatial, ++seed);
                var y = Support.Upload(backend, DenseTests.Filled(x.Length));
                var sm = Support.Upload(backend, DenseTests.Filled(channels)); var si = Support.Upload(backend, DenseTests.Filled(channels));
                backend.BatchNormForward(Support.Upload(backend, x), y, new BatchNormBuffers(g, b, rm, rv, sm, si), batch, new BatchNormGeometry(channels, spatial, Momentum, Epsilon), training: true);

                var xd = Support.ToDouble(x);
                var (mean, variance) = GraphReference.Moments(xd, batch, channels, spatial);
                var got = Support.Download(backend, y);
                Support.Close(GraphReference.Normalize(xd, Support.ToDouble(gamma), Support.ToDouble(beta), mean, variance, Epsilon, batch, channels, spatial), got, 2e-5, $"{name}: y");

                // The output's own statistics: mean beta, standard deviation gamma (shrunk by ε).
                var (outMean, outVariance) = GraphReference.Moments(Support.ToDouble(got), batch, channels, spatial);
                for (int c = 0; c < channels; c++)
                {
                    Assert.Equal(beta[c], outMean[c], 1e-4);
                    Assert.Equal(gamma[c] * Math.Sqrt(variance[c] / (variance[c] + Epsilon)), Math.Sqrt(outVariance[c]), 1e-4);
                }

                var inverseStd = Array.ConvertAll(variance, v => 1 / Math.Sqrt(v + Epsilon));
                Support.Close(mean, Support.Download(backend, sm), 1e-6, $"{name}: saved mean");
                Support.Close(inverseStd, Support.Download(backend, si), 1e-6, $"{name}: saved inverse std");

                // running = momentum·running + (1 − momentum)·batch value, with the unbiased variance (n/(n − 1)).
                for (int c = 0; c < channels; c++)
                {
                    expectedMean[c] = Momentum * expectedMean[c] + (1 - Momentum) * mean[c];
                    expectedVariance[c] = Momentum * expectedVariance[c] + (1 - Momentum) * variance[c] * count / (count - 1);
                }
                Support.Close(expectedMean, Support.Download(backend, rm), 1e-6, $"{name}: running mean after step {step}");
                Support.Close(expectedVariance, Support.Download(backend, rv), 1e-6, $"{name}: running variance after step {step}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Running_variance_of_a_single_value_is_the_biased_one(string backendName)
    {
        var backend = Backends.Named(backendName);
        // n = batch·spatial = 1: the unbiased variance is undefined, the biased one (0) is used.
        var rv = Support.Upload(backend, [1f]); var rm = Support.Upload(backend, [0f]);
        var buffers = new BatchNormBuffers(null, null, rm, rv, backend.Allocate(1), backend.Allocate(1));
        backend.BatchNormForward(Support.Upload(backend, [3f]), backend.Allocate(1), buffers, 1, new BatchNormGeometry(1, 1, 0.5f, Epsilon), training: true);
        Assert.Equal(0.5f, Support.Download(backend, rv)[0], 6);
        Assert.Equal(1.5f, Support.Download(backend, rm)[0], 6);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Inference_forward_uses_running_statistics(string backendName)
    {
        var backend = Backends.Named(backendName);
        int seed = 50;
        foreach (var (name, batch, channels, spatial) in Cases())
            foreach (bool affine in new[] { true, false })
            {
                var x = Input(batch, channels, spatial, ++seed);
                var gamma = Support.Random(channels, ++seed, 0.5f, 1.5f); var beta = Support.Random(channels, ++seed);
                var rm0 = Support.Random(channels, ++seed); var rv0 = Support.Random(channels, ++seed, 0.5f, 2f);
                var rm = Support.Upload(backend, rm0); var rv = Support.Upload(backend, rv0);
                var y = Support.Upload(backend, DenseTests.Filled(x.Length));
                backend.BatchNormForward(Support.Upload(backend, x), y, new BatchNormBuffers(affine ? Support.Upload(backend, gamma) : null, affine ? Support.Upload(backend, beta) : null, rm, rv, backend.Allocate(channels), backend.Allocate(channels)), batch, new BatchNormGeometry(channels, spatial, Momentum, Epsilon), training: false);
                var expected = GraphReference.Normalize(Support.ToDouble(x), affine ? Support.ToDouble(gamma) : null, affine ? Support.ToDouble(beta) : null,
                    Support.ToDouble(rm0), Support.ToDouble(rv0), Epsilon, batch, channels, spatial);
                Support.Close(expected, Support.Download(backend, y), 1e-5, $"{name} (affine {affine})");
                Assert.Equal(rm0, Support.Download(backend, rm));
                Assert.Equal(rv0, Support.Download(backend, rv));
            }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Training_forward_is_precise_with_a_large_common_offset(string backendName)
    {
        var backend = Backends.Named(backendName);
        const int batch = 4, channels = 2, spatial = 300;
        var x = Support.Random(batch * channels * spatial, 7);
        for (int i = 0; i < x.Length; i++) x[i] += 1000f;
        var y = backend.Allocate(x.Length);
        backend.BatchNormForward(Support.Upload(backend, x), y, new BatchNormBuffers(null, null, backend.Allocate(channels), backend.Allocate(channels), backend.Allocate(channels), backend.Allocate(channels)), batch, new BatchNormGeometry(channels, spatial, Momentum, Epsilon), training: true);
        Support.Close(GraphReference.BatchNormTraining(Support.ToDouble(x), null, null, Epsilon, batch, channels, spatial), Support.Download(backend, y), 2e-5, "offset 1000");
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Backward_matches_finite_differences(string backendName)
    {
        var backend = Backends.Named(backendName);
        int seed = 100;
        foreach (var (name, batch, channels, spatial) in Cases())
            foreach (bool affine in new[] { true, false })
            {
                var x = Input(batch, channels, spatial, ++seed);
                var gamma = Support.Random(channels, ++seed, 0.5f, 1.5f); var beta = Support.Random(channels, ++seed);
                var r = Support.Random(x.Length, ++seed);
                var (xd, gd, bd, rd) = (Support.ToDouble(x), Support.ToDouble(gamma), Support.ToDouble(beta), Support.ToDouble(r));
                var (xb, gb) = (Support.Upload(backend, x), affine ? Support.Upload(backend, gamma) : null);
                var sm = backend.Allocate(channels); var si = backend.Allocate(channels);
                var buffers = new BatchNormBuffers(gb, affine ? Support.Upload(backend, beta) : null, backend.Allocate(channels), backend.Allocate(channels), sm, si);
                var geometry = new BatchNormGeometry(channels, spatial, Momentum, Epsilon);
                backend.BatchNormForward(xb, backend.Allocate(x.Length), buffers, batch, geometry, training: true);

                var dx = Support.Upload(backend, DenseTests.Filled(x.Length));
                var dg = affine ? Support.Upload(backend, DenseTests.Filled(channels)) : null;
                var db = affine ? Support.Upload(backend, DenseTests.Filled(channels)) : null;
                backend.BatchNormBackward(xb, Support.Upload(backend, r), dx, dg, db, buffers, batch, geometry);

                // dx is a difference of O(1) terms scaled by invstd ≤ 1/√ε; float rounding stays ≲ 1e-5 of it.
                // A missing term (Σdy or Σdy·x̂) shows as O(1).
                int stride = x.Length > 2000 ? 97 : 1;
                double[]? g0 = affine ? gd : null, b0 = affine ? bd : null;
                Support.Close(Support.NumericGradient(xd, p => GraphReference.BatchNormTraining(p, g0, b0, Epsilon, batch, channels, spatial), rd, stride: stride),
                    Support.Download(backend, dx), 1e-4, $"{name} (affine {affine}): dx");
                if (!affine) continue;
                Support.Close(Support.NumericGradient(gd, p => GraphReference.BatchNormTraining(xd, p, bd, Epsilon, batch, channels, spatial), rd),
                    Support.Download(backend, dg!), 1e-4, $"{name}: dgamma");
                Support.Close(Support.NumericGradient(bd, p => GraphReference.BatchNormTraining(xd, gd, p, Epsilon, batch, channels, spatial), rd),
                    Support.Download(backend, db!), 1e-5, $"{name}: dbeta");
            }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Rejects_short_parameter_buffers(string backendName)
    {
        var backend = Backends.Named(backendName);
        var geometry = new BatchNormGeometry(Channels: 3, Spatial: 4, Momentum, Epsilon);
        var shortGamma = new BatchNormBuffers(backend.Allocate(2), null, backend.Allocate(3), backend.Allocate(3), backend.Allocate(3), backend.Allocate(3));
        var e = Assert.Throws<ArgumentException>(() => backend.BatchNormForward(backend.Allocate(24), backend.Allocate(24), shortGamma, 2, geometry, true));
        Assert.Equal("gamma", e.ParamName);
        var buffers = shortGamma with { Gamma = null };
        e = Assert.Throws<ArgumentException>(() => backend.BatchNormBackward(backend.Allocate(24), backend.Allocate(24), backend.Allocate(23), null, null, buffers, 2, geometry));
        Assert.Equal("inputGradient", e.ParamName);
    }
}
