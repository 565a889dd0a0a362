using System;
using System.Collections.Generic;
using System.Linq;
using Unroll.Tests.Generator;
using Unroll.Tests.Kernels;
using Unroll.Tests.Training;
using Xunit;

namespace Unroll.Tests.Layers;

/// <summary>
/// A decoder-like stack in attribute form: a convolution, a 'same' transposed convolution that doubles the size (kernel 3,
/// stride 2: one row cropped, at the bottom), then a valid one with a kernel larger than its stride and no bias.
/// </summary>
[Network(2, 3, 3)]
[Conv2D(3, 2, Padding = Padding.Same), Tanh]
[Conv2DTranspose(2, 3, Stride = 2, Padding = Padding.Same), Tanh]
[Conv2DTranspose(2, 4, UseBias = false), Flatten, Dense(3), Softmax]
public partial class TransposeNet;

/// <summary>Definition form: a kernel smaller than its stride (valid), then kernel 5, stride 2, 'same' (3 rows cropped: 1 top, 2 bottom).</summary>
[Network(1, 3, 2)]
public partial class TransposeDefinedNet
{
    static Tensor Define(Tensor x)
        => x.Conv2D(2, 2, padding: Padding.Same).Tanh().Conv2DTranspose(3, 2, stride: 3).Tanh()
            .Conv2DTranspose(1, 5, stride: 2, padding: Padding.Same).Flatten().Dense(2);
}

public class Conv2DTransposeTests
{
    /// <summary>The geometry the generator writes for a (c, h, w) input: Keras's output size, TensorFlow's crop.</summary>
    internal static Conv2DTransposeGeometry Geometry(int inChannels, int height, int width, int filters, int kernel, int stride, bool same)
    {
        int Out(int n) => same ? n * stride : n * stride + Math.Max(kernel - stride, 0);
        int top = same ? Math.Max(kernel - stride, 0) / 2 : 0;
        return new Conv2DTransposeGeometry(inChannels, height, width, filters, kernel, kernel, stride, stride, top, top, Out(height), Out(width));
    }

    /// <summary>Strides 1 to 3, kernels smaller than, equal to and larger than the stride, valid and same, batches above 1.</summary>
    public static IEnumerable<(string Name, int Batch, Conv2DTransposeGeometry G)> Cases()
    {
        foreach (var same in new[] { false, true })
        {
            var padding = same ? "same" : "valid";
            yield return ($"k3 s1 {padding}", 2, Geometry(3, 4, 5, 2, 3, 1, same));
            yield return ($"k3 s2 {padding}", 2, Geometry(2, 3, 4, 3, 3, 2, same));
            yield return ($"k4 s2 {padding}", 3, Geometry(2, 3, 3, 2, 4, 2, same));
            yield return ($"k5 s2 {padding}", 2, Geometry(1, 2, 3, 2, 5, 2, same));
            yield return ($"k2 s2 {padding}", 2, Geometry(3, 3, 2, 2, 2, 2, same));
            yield return ($"k1 s2 {padding} (kernel below stride)", 2, Geometry(2, 3, 3, 3, 1, 2, same));
            yield return ($"k2 s3 {padding} (kernel below stride)", 2, Geometry(2, 2, 3, 2, 2, 3, same));
            yield return ($"k5 s3 {padding}", 2, Geometry(2, 3, 2, 2, 5, 3, same));
        }
        // 1×1, stride 1: no col buffer.
        yield return ("1×1 s1", 3, Geometry(4, 3, 5, 3, 1, 1, false));
        // Above the threading threshold: samples are split across threads.
        yield return ("threaded batch 7, 9→8 k3 s2 same", 7, Geometry(9, 8, 8, 8, 3, 2, true));
        yield return ("threaded 1×1 batch 5, 40→30", 5, Geometry(40, 8, 8, 30, 1, 1, false));
    }

    /// <summary>The scatter form: every input value adds itself times the kernel into the output at the stride, minus the crop.</summary>
    internal static double[] Reference(double[] x, double[] w, double[]? b, int batch, Conv2DTransposeGeometry g)
    {
        var y = new double[batch * g.OutputSize];
        int kh = g.KernelHeight, kw = g.KernelWidth;
        for (int n = 0; n < batch; n++)
        {
            for (int co = 0; co < g.OutChannels; co++)
                for (int p = 0; p < g.OutHeight * g.OutWidth; p++)
                    y[n * g.OutputSize + co * g.OutHeight * g.OutWidth + p] = b?[co] ?? 0;
            for (int ci = 0; ci < g.InChannels; ci++)
                for (int iy = 0; iy < g.InHeight; iy++)
                    for (int ix = 0; ix < g.InWidth; ix++)
                    {
                        var v = x[n * g.InputSize + (ci * g.InHeight + iy) * g.InWidth + ix];
                        for (int co = 0; co < g.OutChannels; co++)
                            for (int i = 0; i < kh; i++)
                            {
                                int oy = iy * g.StrideHeight - g.PadTop + i;
                                if (oy < 0 || oy >= g.OutHeight) continue;
                                for (int j = 0; j < kw; j++)
                                {
                                    int ox = ix * g.StrideWidth - g.PadLeft + j;
                                    if (ox < 0 || ox >= g.OutWidth) continue;
                                    y[n * g.OutputSize + (co * g.OutHeight + oy) * g.OutWidth + ox] += v * w[((ci * g.OutChannels + co) * kh + i) * kw + j];
                                }
                            }
                    }
        }
        return y;
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Forward_matches_the_scatter_reference(string backendName)
    {
        var backend = Backends.Named(backendName);
        int seed = 0;
        foreach (var (name, batch, g) in Cases())
            foreach (var withBias in new[] { true, false })
            {
                var x = Support.Random(batch * g.InputSize, ++seed); var w = Support.Random(g.WeightSize, ++seed); var b = Support.Random(g.OutChannels, ++seed);
                var y = Support.Upload(backend, DenseTests.Filled(batch * g.OutputSize)); // overwritten, not added to
                var ws = Support.Upload(backend, DenseTests.Filled(backend.Conv2DWorkspaceLength(g.Convolution, batch)));
                backend.Conv2DTransposeForward(Support.Upload(backend, x), Support.Upload(backend, w), withBias ? Support.Upload(backend, b) : null, y, ws, batch, g);
                var expected = Reference(Support.ToDouble(x), Support.ToDouble(w), withBias ? Support.ToDouble(b) : null, batch, g);
                Support.Close(expected, Support.Download(backend, y), 1e-5, $"{name} (bias {withBias})");
            }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public void Backward_matches_finite_differences_and_its_input_gradient_is_the_convolution(string backendName)
    {
        var backend = Backends.Named(backendName);
        int seed = 100;
        foreach (var (name, batch, g) in Cases())
        {
            var x = Support.Random(batch * g.InputSize, ++seed); var w = Support.Random(g.WeightSize, ++seed); var b = Support.Random(g.OutChannels, ++seed);
            var r = Support.Random(batch * g.OutputSize, ++seed);
            var (xd, wd, bd, rd) = (Support.ToDouble(x), Support.ToDouble(w), Support.ToDouble(b), Support.ToDouble(r));
            var ws = backend.Allocate(backend.Conv2DWorkspaceLength(g.Convolution, batch));
            var dx = Support.Upload(backend, DenseTests.Filled(batch * g.InputSize));
            var dw = Support.Upload(backend, DenseTests.Filled(g.WeightSize));
            var db = Support.Upload(backend, DenseTests.Filled(g.OutChannels));
            backend.Conv2DTransposeBackward(Support.Upload(backend, x), Support.Upload(backend, w), Support.Upload(backend, r), dx, dw, db, ws, batch, g);

            // The reference is linear in each argument, so the double-precision differences are exact to ~1e-9.
            // On the large cases about 150 entries of each (odd steps, so every channel and position is met).
            static int Step(int length) => Math.Max(1, length / 150) | 1;
            const double tol = 2e-5;
            Support.Close(Support.NumericGradient(xd, p => Reference(p, wd, bd, batch, g), rd, stride: Step(xd.Length)), Support.Download(backend, dx), tol, $"{name}: dx");
            Support.Close(Support.NumericGradient(wd, p => Reference(xd, p, bd, batch, g), rd, stride: Step(wd.Length)), Support.Download(backend, dw), tol, $"{name}: dW");
            Support.Close(Support.NumericGradient(bd, p => Reference(xd, wd, p, batch, g), rd), Support.Download(backend, db), tol, $"{name}: db");

            // The input gradient is the forward convolution of the output gradient with the same weights.
            var conv = backend.Allocate(batch * g.InputSize);
            backend.Conv2DForward(Support.Upload(backend, r), Support.Upload(backend, w), null, conv, ws, batch, g.Convolution);
            Support.Close(Support.ToDouble(Support.Download(backend, conv)), Support.Download(backend, dx), 1e-5, $"{name}: dx against Conv2DForward");

            var dw2 = Support.Upload(backend, DenseTests.Filled(g.WeightSize));
            backend.Conv2DTransposeBackward(Support.Upload(backend, x), Support.Upload(backend, w), Support.Upload(backend, r), null, dw2, null, ws, batch, g);
            Support.Close(Support.ToDouble(Support.Download(backend, dw)), Support.Download(backend, dw2), 1e-6, $"{name}: dW without dx");
        }
    }

    /// <summary>
    /// 'Same' crops as TensorFlow's conv2d_transpose: a 2-wide input, kernel 3, stride 2 has a full output of 5 and keeps
    /// 4, dropping the last; kernel 5 keeps 4 of 7, one from the top and two from the bottom.
    /// </summary>
    [Fact]
    public void Same_crops_the_odd_row_at_the_bottom_as_TensorFlow_does()
    {
        // One row, kernel 1×k, stride 2 along it: a 2-wide input has a full output of (2 − 1)·2 + k and keeps 4 (= 2·2).
        // TensorFlow (the gradient of a 'same' convolution) crops ⌊(k − 2)/2⌋ on the left and the rest on the right:
        // kernel 3 drops the last column; kernel 5 keeps columns 1–4 of 7.
        var backend = CpuBackend.Shared;
        float[] x = [1, 10];
        foreach (var (kernel, expected) in new[] { (3, new float[] { 1, 2, 13, 20 }), (5, new float[] { 2, 13, 24, 35 }) })
        {
            var g = new Conv2DTransposeGeometry(1, 1, 2, 1, 1, kernel, 1, 2, 0, (kernel - 2) / 2, 1, 4);
            var w = Enumerable.Range(1, kernel).Select(v => (float)v).ToArray(); // 1, 2, 3, … along the row
            var y = backend.Allocate(4);
            backend.Conv2DTransposeForward(Support.Upload(backend, x), Support.Upload(backend, w), null, y,
                backend.Allocate(backend.Conv2DWorkspaceLength(g.Convolution, 1)), 1, g);
            Assert.Equal(expected, Support.Download(backend, y));
        }

        // And the generator writes that crop: kernel 5, stride 2, 'same' crops 3 rows and columns, 1 at the top/left.
        var recording = new RecordingBackend();
        var net = TransposeDefinedNet.Create(1, recording, seed: 1);
        net.Forward(1, training: false);
        var calls = recording.Calls.Where(c => c.StartsWith("Conv2DTransposeForward", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, calls.Count);
        Assert.Contains("StrideHeight = 3, StrideWidth = 3, PadTop = 0, PadLeft = 0, OutHeight = 9, OutWidth = 6", calls[0]);
        Assert.Contains("KernelHeight = 5, KernelWidth = 5, StrideHeight = 2, StrideWidth = 2, PadTop = 1, PadLeft = 1, OutHeight = 18, OutWidth = 12", calls[1]);
    }

    [Fact]
    public void Short_buffers_and_bad_geometries_are_refused_with_the_operation_named()
    {
        var backend = CpuBackend.Shared;
        var g = Geometry(1, 2, 2, 1, 3, 2, same: false); // (1, 5, 5) out
        var ws = backend.Allocate(backend.Conv2DWorkspaceLength(g.Convolution, 1));
        var e = Assert.Throws<ArgumentException>(() => backend.Conv2DTransposeForward(backend.Allocate(4), backend.Allocate(9), null, backend.Allocate(24), ws, 1, g));
        Assert.Contains("Conv2DTransposeForward needs 25", e.Message);
        e = Assert.Throws<ArgumentException>(() => backend.Conv2DTransposeBackward(backend.Allocate(4), backend.Allocate(8), backend.Allocate(25), null, backend.Allocate(9), null, ws, 1, g));
        Assert.Contains("Conv2DTransposeBackward needs 9", e.Message);
        e = Assert.Throws<ArgumentException>(() => backend.Conv2DTransposeForward(backend.Allocate(4), backend.Allocate(9), null, backend.Allocate(25), ws, 1, g with { StrideHeight = 0 }));
        Assert.Contains("Conv2DTranspose geometry is not valid", e.Message);
    }

    [Fact]
    public void Shapes_parameters_and_gradients_as_finite_differences_say()
    {
        Assert.Equal((2, 6, 6), (TransposeNet.Layers.Conv2dTranspose1.Channels, TransposeNet.Layers.Conv2dTranspose1.Height, TransposeNet.Layers.Conv2dTranspose1.Width));
        Assert.Equal((2, 9, 9), (TransposeNet.Layers.Conv2dTranspose2.Channels, TransposeNet.Layers.Conv2dTranspose2.Height, TransposeNet.Layers.Conv2dTranspose2.Width));
        Assert.Equal((3, 9, 6), (TransposeDefinedNet.Layers.Conv2dTranspose1.Channels, TransposeDefinedNet.Layers.Conv2dTranspose1.Height, TransposeDefinedNet.Layers.Conv2dTranspose1.Width));
        Assert.Equal((1, 18, 12), (TransposeDefinedNet.Layers.Conv2dTranspose2.Channels, TransposeDefinedNet.Layers.Conv2dTranspose2.Height, TransposeDefinedNet.Layers.Conv2dTranspose2.Width));

        // Weight [in, out, k, k] as PyTorch's ConvTranspose2d, bias [out].
        Assert.Equal(3 * 2 * 3 * 3 + 2, TransposeNet.Layers.Conv2dTranspose1.ParameterCount);
        Assert.Equal(2 * 2 * 4 * 4, TransposeNet.Layers.Conv2dTranspose2.ParameterCount);
        // Every input value times every kernel entry of every filter.
        Assert.Equal(3 * 3 * 3 * 2 * 3 * 3, TransposeNet.Layers.Conv2dTranspose1.MultiplyAdds);
        Assert.Equal(2 * 6 * 6 * 2 * 4 * 4, TransposeNet.Layers.Conv2dTranspose2.MultiplyAdds);
        var net = TransposeNet.Create(1, CpuBackend.Shared, seed: 1);
        var shapes = net.Parameters.ToDictionary(p => p.Name, p => p.ShapeText);
        Assert.Equal("(3, 2, 3, 3)", shapes["conv2d_transpose_1.weight"]);
        Assert.Equal("(2)", shapes["conv2d_transpose_1.bias"]);
        Assert.Equal("(2, 2, 4, 4)", shapes["conv2d_transpose_2.weight"]);
        Assert.False(shapes.ContainsKey("conv2d_transpose_2.bias"));
        Assert.Contains(" conv2d_transpose_1 (Conv2DTranspose)", TransposeNet.Summary);

        GradientCheck.CheckAllParameters<TransposeNet>(new SparseCategoricalCrossEntropy(), [[2, 0]], batch: 2, fused: true);
        GradientCheck.CheckAllParameters<TransposeDefinedNet>(new MeanSquaredError(), [[0.5f, -1, 0.25f, 2]], batch: 2, fused: false);
    }

    [Theory]
    [InlineData("Conv2DTranspose(0, 3)", "filters 0, but a Conv2DTranspose layer needs at least 1 filter")]
    [InlineData("Conv2DTranspose(4, 0)", "a 0×0 kernel, but the kernel size must be at least 1")]
    [InlineData("Conv2DTranspose(4, 3, Stride = 0)", "Stride = 0, but the stride must be at least 1")]
    [InlineData("Conv2DTranspose(4, 3, Padding = (Padding)7)", "Padding = 7, but padding must be Padding.Valid or Padding.Same")]
    public void Bad_arguments_are_compile_errors_at_the_attribute(string layer, string message)
    {
        var source = $$"""
            using Unroll;
            [Network(1, 4, 4)]
            [{{layer}}]
            public partial class Bad;
            """;
        var d = Assert.Single(GeneratorHarness.Run(source).Unroll);
        Assert.Equal("UNR0005", d.Id);
        Assert.Equal(GeneratorHarness.SpanOf(source, layer), d.Location.GetLineSpan().Span);
        Assert.Equal($"Conv2DTranspose 'conv2d_transpose_1' has {message}", d.GetMessage());
    }

    [Fact]
    public void Flat_inputs_and_outputs_too_large_are_compile_errors_at_the_layer()
    {
        var source = """
            using Unroll;
            [Network(16)]
            [Dense(8), Conv2DTranspose(2, 3)]
            public partial class Flat;
            """;
        var d = Assert.Single(GeneratorHarness.Run(source).Unroll);
        Assert.Equal("UNR0007", d.Id);
        Assert.Equal(GeneratorHarness.SpanOf(source, "Conv2DTranspose(2, 3)"), d.Location.GetLineSpan().Span);

        source = """
            using Unroll;
            [Network(1, 40000, 40000)]
            [Conv2DTranspose(1, 2, Stride = 2)]
            public partial class Huge;
            """;
        d = Assert.Single(GeneratorHarness.Run(source).Unroll);
        Assert.Equal("UNR0014", d.Id);
        Assert.Equal(GeneratorHarness.SpanOf(source, "Conv2DTranspose(1, 2, Stride = 2)"), d.Location.GetLineSpan().Span);
        Assert.Contains("6,400,000,000 values for its output (1, 80000, 80000)", d.GetMessage());

        source = """
            using Unroll;
            [Network(1, 4, 4)]
            public partial class Defined
            {
                static Tensor Define(Tensor x) => x.Conv2DTranspose(2, 3, stride: -1);
            }
            """;
        d = Assert.Single(GeneratorHarness.Run(source).Unroll);
        Assert.Equal("UNR0005", d.Id);
        Assert.Contains("Stride = -1, but the stride must be at least 1", d.GetMessage());
    }
}
