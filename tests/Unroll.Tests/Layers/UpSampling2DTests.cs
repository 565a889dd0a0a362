using System;
using Unroll.Tests.Generator;
using Unroll.Tests.Training;
using Xunit;

namespace Unroll.Tests.Layers;

/// <summary>A decoder-like stack: convolution, upsampling, convolution, in attribute form.</summary>
[Network(2, 3, 3)]
[Conv2D(3, 2), Tanh, UpSampling2D(2), Conv2D(2, 3), Flatten, Dense(3), Softmax]
public partial class UpSamplingNet;

/// <summary>Different factors for rows and columns, in definition form.</summary>
[Network(1, 4, 3)]
public partial class UpSamplingDefinedNet
{
    static Tensor Define(Tensor x) => x.Conv2D(2, 2).UpSampling2D(3, 2).Conv2D(1, 2).Flatten().Dense(2);
}

public class UpSampling2DTests
{
    private static float[] Random(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(1, 4)]
    public void Forward_repeats_each_value_and_backward_sums_each_block(int factorHeight, int factorWidth)
    {
        const int batch = 2, channels = 3, height = 4, width = 5;
        var g = new UpSampling2DGeometry(channels, height, width, factorHeight, factorWidth);
        var backend = CpuBackend.Shared;
        var x = Random(batch * g.InputSize, 1);
        var dy = Random(batch * g.OutputSize, 2);
        var input = backend.Allocate(x.Length);
        var output = backend.Allocate(dy.Length);
        var outputGradient = backend.Allocate(dy.Length);
        var inputGradient = backend.Allocate(x.Length);
        backend.Upload(x, input);
        backend.Upload(dy, outputGradient);
        inputGradient.Span.Fill(float.NaN); // overwritten, not accumulated into
        backend.UpSampling2DForward(input, output, batch, g);
        backend.UpSampling2DBackward(outputGradient, inputGradient, batch, g);

        int outHeight = height * factorHeight, outWidth = width * factorWidth;
        var expectedGradient = new double[x.Length];
        for (int p = 0; p < batch * channels; p++)
            for (int r = 0; r < outHeight; r++)
                for (int c = 0; c < outWidth; c++)
                {
                    var source = p * height * width + r / factorHeight * width + c / factorWidth;
                    var at = p * outHeight * outWidth + r * outWidth + c;
                    Assert.Equal(x[source], output.Span[at]);
                    expectedGradient[source] += dy[at];
                }
        for (var i = 0; i < x.Length; i++) Assert.Equal(expectedGradient[i], inputGradient.Span[i], 5);
    }

    [Fact]
    public void Short_buffers_and_bad_factors_are_refused_with_the_operation_named()
    {
        var backend = CpuBackend.Shared;
        var g = new UpSampling2DGeometry(1, 2, 2, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => backend.UpSampling2DForward(backend.Allocate(4), backend.Allocate(15), 1, g));
        Assert.Contains("UpSampling2DForward needs 16", e.Message);
        e = Assert.Throws<ArgumentException>(() => backend.UpSampling2DBackward(backend.Allocate(16), backend.Allocate(4), 1, g with { FactorWidth = 0 }));
        Assert.Contains("factors (2, 0)", e.Message);
    }

    [Fact]
    public void Shapes_and_gradients_as_finite_differences_say()
    {
        Assert.Equal((3, 4, 4), (UpSamplingNet.Layers.UpSampling2d1.Channels, UpSamplingNet.Layers.UpSampling2d1.Height, UpSamplingNet.Layers.UpSampling2d1.Width));
        Assert.Equal((2, 9, 4), (UpSamplingDefinedNet.Layers.UpSampling2d1.Channels, UpSamplingDefinedNet.Layers.UpSampling2d1.Height, UpSamplingDefinedNet.Layers.UpSampling2d1.Width));
        Assert.Contains(" up_sampling2d_1 (UpSampling2D)", UpSamplingNet.Summary);
        GradientCheck.CheckAllParameters<UpSamplingNet>(new SparseCategoricalCrossEntropy(), [[2, 0]], batch: 2, fused: true);
        GradientCheck.CheckAllParameters<UpSamplingDefinedNet>(new MeanSquaredError(), [[0.5f, -1, 0.25f, 2]], batch: 2, fused: false);
    }

    [Fact]
    public void Bad_factors_and_flat_inputs_are_compile_errors_at_the_attribute()
    {
        var source = """
            using Unroll;
            [Network(1, 4, 4)]
            [UpSampling2D(0, 2)]
            public partial class Zero;
            """;
        var d = Assert.Single(GeneratorHarness.Run(source).Unroll);
        Assert.Equal("UNR0005", d.Id);
        Assert.Equal(GeneratorHarness.SpanOf(source, "UpSampling2D(0, 2)"), d.Location.GetLineSpan().Span);
        Assert.Equal("UpSampling2D 'up_sampling2d_1' has size (0, 2), but each factor must be at least 1, such as UpSampling2D(2)", d.GetMessage());

        source = """
            using Unroll;
            [Network(16)]
            [Dense(8), UpSampling2D(2)]
            public partial class Flat;
            """;
        d = Assert.Single(GeneratorHarness.Run(source).Unroll);
        Assert.Equal("UNR0007", d.Id);
        Assert.Equal(GeneratorHarness.SpanOf(source, "UpSampling2D(2)"), d.Location.GetLineSpan().Span);
    }
}
