using System;
using System.Collections.Generic;
using Xunit;

namespace Unroll.Tests.Kernels;

public class ActivationTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var backend in Backends.All())
            foreach (var activation in Enum.GetValues<Activation>())
                yield return [backend[0], activation];
    }

    private static float Alpha(Activation activation) => activation == Activation.Elu ? 1.3f : 0.2f;

    /// <summary>Values in [−3, 3] kept at least 0.05 away from 0, so finite differences never straddle the ReLU-like kinks.</summary>
    private static float[] Inputs(int length, int seed)
    {
        var x = Support.Random(length, seed, -3f, 3f);
        for (int i = 0; i < x.Length; i++) if (Math.Abs(x[i]) < 0.05f) x[i] += x[i] < 0 ? -0.05f : 0.05f;
        return x;
    }

    // 3 rows of 37: the vector loops' tails and the softmax rows are exercised.
    private const int Batch = 3, Features = 37;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_reference(string backendName, Activation activation)
    {
        var backend = Backends.Named(backendName);
        var x = Inputs(Batch * Features, 1);
        var y = backend.Allocate(x.Length);
        backend.ActivationForward(activation, Alpha(activation), Support.Upload(backend, x), y, Batch, Features);
        // exp/tanh/sigmoid in float are accurate to a few ulps (~1e-7 relative); Elu's eˣ − 1 cancels for small x (~3e-6).
        Support.Close(Reference.Activation(activation, Alpha(activation), Support.ToDouble(x), Batch, Features), Support.Download(backend, y), 1e-5, $"{activation}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_matches_finite_differences(string backendName, Activation activation)
    {
        var backend = Backends.Named(backendName);
        float alpha = Alpha(activation);
        var x = Inputs(Batch * Features, 2);
        var r = Support.Random(x.Length, 3);
        var input = Support.Upload(backend, x);
        var output = backend.Allocate(x.Length);
        backend.ActivationForward(activation, alpha, input, output, Batch, Features);
        var dx = Support.Upload(backend, DenseTests.Filled(x.Length));
        backend.ActivationBackward(activation, alpha, input, output, Support.Upload(backend, r), dx, Batch, Features);
        var expected = Support.NumericGradient(Support.ToDouble(x), p => Reference.Activation(activation, alpha, p, Batch, Features), Support.ToDouble(r));
        // The derivative is formed in float from float outputs (a few ulps each); softmax adds a dot over 37 terms.
        Support.Close(expected, Support.Download(backend, dx), 2e-5, $"{activation} dx");
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Softmax_is_stable_for_large_inputs(string backendName)
    {
        var backend = Backends.Named(backendName);
        var y = backend.Allocate(3);
        backend.ActivationForward(Activation.Softmax, 0, Support.Upload(backend, [1000f, 1000f, -1000f]), y, 1, 3);
        Assert.Equal(new float[] { 0.5f, 0.5f, 0f }, Support.Download(backend, y));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_works_in_place(string backendName, Activation activation)
    {
        var backend = Backends.Named(backendName);
        var x = Inputs(Batch * Features, 4);
        var buffer = Support.Upload(backend, x);
        backend.ActivationForward(activation, Alpha(activation), buffer, buffer, Batch, Features);
        Support.Close(Reference.Activation(activation, Alpha(activation), Support.ToDouble(x), Batch, Features), Support.Download(backend, buffer), 1e-5, $"{activation} in place");
    }
}
