using System;
using Xunit;

namespace Unroll.Tests.Kernels;

/// <summary>The joins and splits of branching networks: Add, AddInPlace, channel concatenation; global average pooling; zero padding.</summary>
public class GraphTests
{
    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Add_and_AddInPlace(string backendName)
    {
        var backend = Backends.Named(backendName);
        foreach (int length in new[] { 1, 15, 16, 17, 1000 })
        {
            var a = Support.Random(length, 1); var b = Support.Random(length, 2);
            var expected = new double[length];
            for (int i = 0; i < length; i++) expected[i] = (double)a[i] + b[i];
            var y = Support.Upload(backend, DenseTests.Filled(length + 1));
            backend.Add(Support.Upload(backend, a), Support.Upload(backend, b), y, length);
            var got = Support.Download(backend, y);
            Support.Close(expected, got, 1e-7, $"Add {length}");
            Assert.True(float.IsNaN(got[length]), "Add wrote past length");

            var d = Support.Upload(backend, b);
            backend.AddInPlace(Support.Upload(backend, a), d, length);
            Support.Close(expected, Support.Download(backend, d), 1e-7, $"AddInPlace {length}");
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Scale_multiplies_by_a_constant(string backendName)
    {
        var backend = Backends.Named(backendName);
        foreach (int length in new[] { 1, 17, 1000 })
        {
            var x = Support.Random(length, 3);
            var expected = new double[length];
            for (int i = 0; i < length; i++) expected[i] = 0.17 * x[i];
            var y = Support.Upload(backend, DenseTests.Filled(length + 1));
            backend.Scale(Support.Upload(backend, x), y, 0.17f, length);
            var got = Support.Download(backend, y);
            Support.Close(expected, got, 1e-6, $"Scale {length}");
            Assert.True(float.IsNaN(got[length]), "Scale wrote past length");
        }
        Assert.Throws<ArgumentException>(() => backend.Scale(backend.Allocate(8), backend.Allocate(7), 2f, 8));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Add_rejects_short_buffers(string backendName)
    {
        var backend = Backends.Named(backendName);
        var e = Assert.Throws<ArgumentException>(() => backend.Add(backend.Allocate(8), backend.Allocate(7), backend.Allocate(8), 8));
        Assert.Contains("b", e.ParamName);
        Assert.Throws<ArgumentException>(() => backend.AddInPlace(backend.Allocate(8), backend.Allocate(4), 8));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Concat_round_trip_with_three_inputs(string backendName)
    {
        var backend = Backends.Named(backendName);
        const int batch = 3, spatial = 5 * 4;
        int[] channels = [2, 5, 3];
        int total = 10;
        var inputs = new float[channels.Length][];
        for (int k = 0; k < channels.Length; k++) inputs[k] = Support.Random(batch * channels[k] * spatial, 10 + k);
        var y = Support.Upload(backend, DenseTests.Filled(batch * total * spatial));
        int offset = 0;
        for (int k = 0; k < channels.Length; k++)
        {
            backend.ConcatChannelsForward(Support.Upload(backend, inputs[k]), y, batch, new ConcatGeometry(channels[k], total, offset, spatial));
            offset += channels[k];
        }
        var expected = GraphReference.ConcatChannels(Array.ConvertAll(inputs, Support.ToDouble), channels, batch, spatial);
        var got = Support.Download(backend, y);
        Assert.DoesNotContain(got, float.IsNaN);
        Support.Close(expected, got, 0, "concat");

        offset = 0;
        for (int k = 0; k < channels.Length; k++)
        {
            var dx = Support.Upload(backend, DenseTests.Filled(batch * channels[k] * spatial));
            backend.ConcatChannelsBackward(y, dx, batch, new ConcatGeometry(channels[k], total, offset, spatial));
            Assert.Equal(inputs[k], Support.Download(backend, dx));
            offset += channels[k];
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Concat_rejects_channels_outside_the_output(string backendName)
    {
        var backend = Backends.Named(backendName);
        var x = backend.Allocate(2 * 3 * 4); var y = backend.Allocate(2 * 6 * 4);
        Assert.Throws<ArgumentException>(() => backend.ConcatChannelsForward(x, y, 2, new ConcatGeometry(3, 6, 4, 4)));
        Assert.Throws<ArgumentException>(() => backend.ConcatChannelsForward(x, backend.Allocate(10), 2, new ConcatGeometry(3, 6, 0, 4)));
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void GlobalAvgPool_forward_and_backward(string backendName)
    {
        var backend = Backends.Named(backendName);
        foreach (var (batch, channels, spatial) in new[] { (2, 3, 7 * 7), (1, 4, 1), (3, 2, 33) })
        {
            var x = Support.Random(batch * channels * spatial, spatial);
            var y = Support.Upload(backend, DenseTests.Filled(batch * channels));
            backend.GlobalAvgPool2DForward(Support.Upload(backend, x), y, batch, new GlobalPool2DGeometry(channels, spatial));
            Support.Close(GraphReference.GlobalAvgPool(Support.ToDouble(x), batch, channels, spatial), Support.Download(backend, y), 1e-6, $"gap {spatial}");

            var r = Support.Random(batch * channels, 99);
            var dx = Support.Upload(backend, DenseTests.Filled(batch * channels * spatial));
            backend.GlobalAvgPool2DBackward(Support.Upload(backend, r), dx, batch, new GlobalPool2DGeometry(channels, spatial));
            var xd = Support.ToDouble(x);
            Support.Close(Support.NumericGradient(xd, p => GraphReference.GlobalAvgPool(p, batch, channels, spatial), Support.ToDouble(r)),
                Support.Download(backend, dx), 1e-6, $"gap backward {spatial}");
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void ZeroPadding_asymmetric_forward_and_backward(string backendName)
    {
        var backend = Backends.Named(backendName);
        // (top, left, bottom, right) = (0, 1, 1, 2), then (2, 0, 0, 0), then none.
        foreach (var (ih, iw, top, left, oh, ow) in new[] { (4, 5, 0, 1, 5, 8), (3, 3, 2, 0, 5, 3), (2, 3, 0, 0, 2, 3) })
        {
            const int batch = 2, channels = 3;
            var x = Support.Random(batch * channels * ih * iw, ih * 10 + iw);
            var y = Support.Upload(backend, DenseTests.Filled(batch * channels * oh * ow));
            backend.ZeroPadding2DForward(Support.Upload(backend, x), y, batch, new Padding2DGeometry(channels, ih, iw, top, left, oh, ow));
            Support.Close(GraphReference.ZeroPad(Support.ToDouble(x), batch, channels, ih, iw, top, left, oh, ow), Support.Download(backend, y), 0,
                $"pad ({top},{left}) → ({oh},{ow})");

            var r = Support.Random(batch * channels * oh * ow, 5);
            var dx = Support.Upload(backend, DenseTests.Filled(x.Length));
            backend.ZeroPadding2DBackward(Support.Upload(backend, r), dx, batch, new Padding2DGeometry(channels, ih, iw, top, left, oh, ow));
            Support.Close(Support.NumericGradient(Support.ToDouble(x), p => GraphReference.ZeroPad(p, batch, channels, ih, iw, top, left, oh, ow), Support.ToDouble(r)),
                Support.Download(backend, dx), 1e-7, $"pad backward ({top},{left})");
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void ZeroPadding_rejects_an_input_that_does_not_fit(string backendName)
    {
        var backend = Backends.Named(backendName);
        var e = Assert.Throws<ArgumentException>(() => backend.ZeroPadding2DForward(backend.Allocate(9), backend.Allocate(16), 1, new Padding2DGeometry(1, 3, 3, 2, 0, 4, 4)));
        Assert.Contains("does not fit", e.Message);
    }
}
