using Xunit;

namespace Unroll.Tests.Kernels;

/// <summary>The graph, normalisation and depthwise kernels allocate nothing once warm, threading included.</summary>
[Collection(nameof(NoAllocation))]
public class GraphAllocationTests
{
    [Theory]
    [MemberData(nameof(Backends.AllocationChecked), MemberType = typeof(Backends))]
    public void BatchNorm_forward_and_backward(string backendName)
    {
        var backend = Backends.Named(backendName);
        foreach (var (batch, channels, spatial) in new[] { (32, 64, 16 * 16), (2, 8, 9), (64, 128, 1) }) // threaded, small, after Dense
        {
            int length = batch * channels * spatial;
            var x = backend.Allocate(length); var y = backend.Allocate(length); var dx = backend.Allocate(length);
            var gamma = backend.Allocate(channels); var beta = backend.Allocate(channels); var rm = backend.Allocate(channels); var rv = backend.Allocate(channels);
            var sm = backend.Allocate(channels); var si = backend.Allocate(channels); var dg = backend.Allocate(channels); var db = backend.Allocate(channels);
            var buffers = new BatchNormBuffers(gamma, beta, rm, rv, sm, si);
            var geometry = new BatchNormGeometry(channels, spatial, 0.99f, 1e-3f);
            NoAllocation.Assert(() =>
            {
                backend.BatchNormForward(x, y, buffers, batch, geometry, training: true);
                backend.BatchNormBackward(x, y, dx, dg, db, buffers, batch, geometry);
                backend.BatchNormForward(x, y, buffers with { Gamma = null, Beta = null }, batch, geometry, training: false);
            });
        }
    }

    [Theory]
    [MemberData(nameof(Backends.AllocationChecked), MemberType = typeof(Backends))]
    public void Depthwise_forward_and_backward(string backendName)
    {
        var backend = Backends.Named(backendName);
        foreach (var (batch, g) in new[]
        {
            (8, new Conv2DGeometry(32, 28, 28, 32, 3, 3, 1, 1, 1, 1, 28, 28, Groups: 32)), // threaded
            (2, new Conv2DGeometry(4, 9, 9, 8, 3, 3, 2, 2, 1, 1, 5, 5, Groups: 4)),        // single thread, stride 2, multiplier 2
        })
        {
            var x = backend.Allocate(batch * g.InputSize); var w = backend.Allocate(g.WeightSize); var b = backend.Allocate(g.OutChannels);
            var y = backend.Allocate(batch * g.OutputSize); var dx = backend.Allocate(batch * g.InputSize); var dw = backend.Allocate(g.WeightSize); var db = backend.Allocate(g.OutChannels);
            var ws = backend.Allocate(backend.Conv2DWorkspaceLength(g, batch));
            NoAllocation.Assert(() =>
            {
                backend.Conv2DForward(x, w, b, y, ws, batch, g);
                backend.Conv2DBackward(x, w, y, dx, dw, db, ws, batch, g);
                backend.Conv2DForward(x, w, null, y, ws, 1, g);
            });
        }
    }

    [Theory]
    [MemberData(nameof(Backends.AllocationChecked), MemberType = typeof(Backends))]
    public void Joins_pooling_and_padding(string backendName)
    {
        var backend = Backends.Named(backendName);
        const int batch = 4, channels = 8, h = 14, w = 14;
        var a = backend.Allocate(batch * channels * h * w); var b = backend.Allocate(batch * channels * h * w);
        var cat = backend.Allocate(batch * 2 * channels * h * w); var pooled = backend.Allocate(batch * channels);
        var padded = backend.Allocate(batch * channels * (h + 1) * (w + 1));
        NoAllocation.Assert(() =>
        {
            backend.Add(a, b, b, a.Length);
            backend.AddInPlace(a, b, a.Length);
            backend.ConcatChannelsForward(a, cat, batch, new ConcatGeometry(channels, 2 * channels, channels, h * w));
            backend.ConcatChannelsBackward(cat, a, batch, new ConcatGeometry(channels, 2 * channels, channels, h * w));
            backend.GlobalAvgPool2DForward(a, pooled, batch, new GlobalPool2DGeometry(channels, h * w));
            backend.GlobalAvgPool2DBackward(pooled, a, batch, new GlobalPool2DGeometry(channels, h * w));
            backend.ZeroPadding2DForward(a, padded, batch, new Padding2DGeometry(channels, h, w, 0, 0, h + 1, w + 1));
            backend.ZeroPadding2DBackward(padded, a, batch, new Padding2DGeometry(channels, h, w, 0, 0, h + 1, w + 1));
        });
    }
}
