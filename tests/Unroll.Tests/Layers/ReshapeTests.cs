using System.Linq;
using Unroll.Tests.Generator;
using Unroll.Tests.Training;
using Xunit;

namespace Unroll.Tests.Layers;

/// <summary>A dense layer's output read as an image, in attribute form.</summary>
[Network(6)]
[Dense(32), Reshape(2, 4, 4), Conv2D(3, 3), Tanh, Flatten, Dense(3), Softmax]
public partial class ReshapeNet;

/// <summary>An image read as a sequence and back, in definition form, with an inferred dimension.</summary>
[Network(2, 3, 4)]
public partial class ReshapeDefinedNet
{
    static Tensor Define(Tensor x) => x.Reshape([6, -1]).Reshape([-1, 3, 4], name: "back").Conv2D(2, 2).Flatten().Dense(2);
}

public class ReshapeTests
{
    [Fact]
    public void Reshape_reads_its_input_with_the_new_shape_and_infers_a_minus_one()
    {
        Assert.Equal((2, 4, 4), (ReshapeNet.Layers.Reshape1.Channels, ReshapeNet.Layers.Reshape1.Height, ReshapeNet.Layers.Reshape1.Width));
        Assert.Equal((6, 4), (ReshapeDefinedNet.Layers.Reshape1.Steps, ReshapeDefinedNet.Layers.Reshape1.Features));
        Assert.Equal((2, 3, 4), (ReshapeDefinedNet.Layers.Back.Channels, ReshapeDefinedNet.Layers.Back.Height, ReshapeDefinedNet.Layers.Back.Width));
        Assert.Contains("Reshape", ReshapeNet.Summary);
    }

    [Fact]
    public void Reshape_is_an_alias_it_shares_its_input_buffer_and_calls_nothing()
    {
        var backend = new RecordingBackend();
        var net = new ReshapeNet(2, backend);
        backend.Calls.Clear();
        net.Forward(2, training: true);
        net.Backward(2, outputGradientIsForLogits: false);
        Assert.DoesNotContain(backend.Calls, c => c.StartsWith("Copy", System.StringComparison.Ordinal));
        // Dense's 32 outputs go straight into the convolution: its input is the dense layer's own output buffer.
        var dense = backend.Buffers[backend.Calls.FindIndex(c => c.StartsWith("DenseForward", System.StringComparison.Ordinal))];
        var conv = backend.Buffers[backend.Calls.FindIndex(c => c.StartsWith("Conv2DForward", System.StringComparison.Ordinal))];
        Assert.Same(dense[3], conv[0]);
    }

    [Fact]
    public void Gradients_flow_through_reshapes_as_finite_differences_say()
    {
        GradientCheck.CheckAllParameters<ReshapeNet>(new SparseCategoricalCrossEntropy(), [[2, 0]], batch: 2, fused: false);
        GradientCheck.CheckAllParameters<ReshapeDefinedNet>(new MeanSquaredError(), [[0.5f, -1, 0.25f, 2]], batch: 2, fused: false);
    }

    [Fact]
    public void A_reshape_that_changes_the_number_of_values_is_UNR0032_at_the_attribute()
    {
        var d = GeneratorHarness.SingleDiagnostic("""
            using Unroll;
            [Network(48)]
            [Dense(30), Reshape(2, 4, 4), Conv2D(3, 3)]
            public partial class Wrong;
            """, "UNR0032", "Reshape(2, 4, 4)");
        Assert.Equal("Reshape 'reshape_1' cannot read its input (30), 30 values, as (2, 4, 4), 32 values; the dimensions must multiply to 30", d.GetMessage());

        d = GeneratorHarness.SingleDiagnostic("""
            using Unroll;
            [Network(30)]
            public partial class Inferred
            {
                static Tensor Define(Tensor x) => x.Reshape([4, -1]);
            }
            """, "UNR0032", "x.Reshape([4, -1])");
        Assert.Equal("Reshape 'reshape_1' cannot read its input (30), 30 values, as (4, -1); the other dimensions multiply to 4, which does not divide 30", d.GetMessage());
    }

    [Theory]
    [InlineData("Reshape(2, 0, 3)", "has dims (2, 0, 3), but every dimension must be positive, or -1 for the one to infer")]
    [InlineData("Reshape(-1, -1)", "has dims (-1, -1), but only one dimension can be -1 (inferred from the others)")]
    [InlineData("Reshape(1, 1, 2, 3, 1)", "has 5 dimensions (1, 1, 2, 3, 1), but a shape has 1 to 4 dimensions")]
    [InlineData("Reshape()", "has 0 dimensions (), but a shape has 1 to 4 dimensions")]
    public void Invalid_dimensions_are_UNR0005(string reshape, string message)
    {
        var d = GeneratorHarness.SingleDiagnostic($$"""
            using Unroll;
            [Network(6)]
            [{{reshape}}]
            public partial class Bad;
            """, "UNR0005", reshape);
        Assert.Equal("Reshape 'reshape_1' " + message, d.GetMessage());
    }

    [Fact]
    public void Layers_after_a_reshape_check_the_new_rank()
    {
        Assert.Contains("add [Flatten] before it", GeneratorHarness.SingleDiagnostic("""
            using Unroll;
            [Network(12)]
            [Reshape(3, 2, 2), Dense(2)]
            public partial class ImageIntoDense;
            """, "UNR0006", "Dense(2)").GetMessage());
        Assert.Contains("add [Flatten] before it, or set ReturnSequences = false", GeneratorHarness.SingleDiagnostic("""
            using Unroll;
            [Network(12)]
            [Reshape(3, 4), Dense(2)]
            public partial class SequenceIntoDense;
            """, "UNR0031", "Dense(2)").GetMessage());
        GeneratorHarness.SingleDiagnostic("""
            using Unroll;
            [Network(12)]
            [Reshape(12), Conv2D(2, 1)]
            public partial class VectorIntoConv;
            """, "UNR0007", "Conv2D(2, 1)");
        Assert.Equal("BatchNorm 'batch_normalization_1' expects a (features) or (channels, height, width) input but receives (3, 4); add a Reshape or Flatten before it", GeneratorHarness.SingleDiagnostic("""
            using Unroll;
            [Network(12)]
            [Reshape(3, 4), BatchNorm]
            public partial class SequenceIntoBatchNorm;
            """, "UNR0031", "BatchNorm").GetMessage());
    }
}
