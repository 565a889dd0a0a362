using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Unroll.Tests.Generator;

/// <summary>Definition-method networks: the evaluator's subset, graph emission, summaries and generated call sequences.</summary>
public class GraphTests
{
    private static void AssertClean(GeneratorRun run)
    {
        if (Environment.GetEnvironmentVariable("UNROLL_DUMP") is { Length: > 0 } dump)
            foreach (var (name, text) in run.Sources) File.WriteAllText(Path.Combine(dump, name), text);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationDiagnostics);
    }

    [Fact]
    public void ResNetFromLoopsHelpersAndShapeQueriesCompilesCleanly()
    {
        var run = GeneratorHarness.Run(GraphNetworks.ResNet);
        AssertClean(run);
        var source = run.Source("SmallResNet.g.cs");
        // 5 blocks: 2 identity shortcuts at 16, a projection at 32 (stride 2) then identity, a projection at 64.
        Assert.Equal(5, CountOf(source, "// add_"));
        Assert.Contains("// add_5: Add of batch_normalization_", source);
        Assert.Contains("conv2d_13", source); // 1 stem + 10 block convolutions + 2 projections
        Assert.DoesNotContain("conv2d_14", source);
        Assert.Contains("Connected to", source);
        Assert.Contains("_backend.AddInPlace(", source); // a block's input feeds its convolution and its shortcut
        Assert.Contains("Non-trainable params: ", source);
    }

    [Fact]
    public void InceptionWithConcatAuxiliaryOutputAndNewConvolutionsCompilesCleanly()
    {
        var run = GeneratorHarness.Run(GraphNetworks.Inception);
        AssertClean(run);
        var source = run.Source("SmallInception.g.cs");
        Assert.Equal(2, CountOf(source, "// concatenate_") );
        Assert.Contains("_backend.ConcatChannelsForward(", source);
        Assert.Contains("_backend.ConcatChannelsBackward(", source);
        Assert.Contains("new global::Unroll.NetworkOutput(\"aux\", _auxOut, _auxLogitsOut, global::Unroll.Activation.Softmax, _auxGrad, 0.3f)", source);
        Assert.Contains("separable_conv2d_1.depthwise_weight", source);
        Assert.Contains("\"separable_conv2d_1.pointwise_weight\", new[] { 24, 30, 1, 1 }", source);
        Assert.Contains("\"depthwise_conv2d_1.weight\", new[] { 48, 1, 3, 3 }", source);
        Assert.Contains("\"conv2d_13.weight\", new[] { 48, 12, 1, 1 }", source); // groups 4: 48 / 4 input channels per group
        Assert.Contains("zero_padding2d_1", source);
        Assert.Contains("logitsGradient2", source);
    }

    [Fact]
    public void EvaluatorHandlesWhileTernaryMathInterpolatedNamesAndDeconstruction()
    {
        var run = GeneratorHarness.Run("""
            using Unroll;
            [Network(8)]
            public partial class Evaluated
            {
                static Tensor Define(Tensor x)
                {
                    var (units, depth) = (16, 3);
                    var n = 0;
                    while (n < depth)
                    {
                        n++;
                        if (n == 2) continue;
                        x = x.Dense(System.Math.Max(units / n, 4), name: $"hidden_{n}").Relu();
                    }
                    x = x.Rank == 1 && x.Features > 4 ? x.Dense(x.Features / 2) : x;
                    double rate = depth > 2 ? 0.25 : 0.5;
                    return x.Dropout(rate).Dense(3).Softmax();
                }
            }
            """);
        AssertClean(run);
        var source = run.Source("Evaluated.g.cs");
        Assert.Contains("// hidden_1: Dense 8→16 → (16)", source);
        Assert.DoesNotContain("hidden_2", source);
        Assert.Contains("// hidden_3: Dense 16→5 → (5)", source);
        Assert.Contains("// dense_3: Dense 5→2 → (2)", source);
        Assert.Contains("Dropout 0.25", source);
        Assert.DoesNotContain("Connected to", source); // a chain keeps the sequential summary
    }

    [Fact]
    public void AttributeAndDefinitionFormsOfLeNet5GenerateTheSameCode()
    {
        var attributes = GeneratorHarness.Run(GeneratorHarness.ModelSource("LeNet5"));
        var definition = GeneratorHarness.Run("""
            using Unroll;
            namespace Unroll.Models;
            [Network(1, 28, 28)]
            public partial class LeNet5
            {
                static Tensor Define(Tensor x) =>
                    x.Conv2D(6, 5, padding: Padding.Same).Relu().MaxPool2D(2)
                     .Conv2D(16, 5).Relu().MaxPool2D(2)
                     .Flatten().Dense(120).Relu().Dense(84).Relu().Dense(10).Softmax();
            }
            """);
        AssertClean(definition);
        var a = attributes.Source("Unroll.Models.LeNet5.g.cs");
        var d = definition.Source("Unroll.Models.LeNet5.g.cs");
        // Everything but the line that says where the layers came from.
        Assert.Equal(a.Split('\n').Skip(3), d.Split('\n').Skip(3));
    }

    [Fact]
    public void ResidualAndConcatBackwardSumsGradientsAndSlicesChannels()
    {
        var run = GeneratorHarness.Run(GraphNetworks.ResidualConcat);
        Assert.Empty(run.GeneratorDiagnostics); // the stand-in ParameterInitializer shadows the runtime's (CS0436)
        var type = GeneratorHarness.Load(run, "ResidualConcat");
        var backend = new RecordingBackend();
        var network = (INetwork)Activator.CreateInstance(type, 3, backend, 0)!;
        var batch = 2;

        network.Forward(batch, training: true);
        Assert.Equal(new[]
        {
            "Conv2DForward([96], [6], [3], [144], [96], 2, conv 2x4x4→3x4x4 k1x1 s1,1 p0,0)",
            "ActivationForward(Relu, 0, [144], [144], 2, 48)",
            "Add([144], [144], [144], 96)",
            "ConcatChannelsForward([144], [288], 2, concat 3→6@0 x16)",
            "ConcatChannelsForward([144], [288], 2, concat 3→6@3 x16)",
            "DenseForward([288], [192], [2], [6], 2, dense 96→2)",
        }, backend.Calls);

        backend.Calls.Clear();
        backend.Buffers.Clear();
        network.Backward(batch, outputGradientIsForLogits: false);
        Assert.Equal(new[]
        {
            "DenseBackward([288], [192], [6], [288], [192], [2], 2, dense 96→2)",
            // concatenate_1 → add_1 (first: writes its gradient) and conv2d_1 (first: writes its gradient).
            "ConcatChannelsBackward([288], [144], 2, concat 3→6@0 x16)",
            "ConcatChannelsBackward([288], [144], 2, concat 3→6@3 x16)",
            // add_1 → conv2d_1 again (accumulates) and relu_1 (copy).
            "AddInPlace([144], [144], 96)",
            "Copy([144], [144], 96)",
            // relu_1 → conv2d_1: into the scratch buffer, then summed.
            "ActivationBackward(Relu, 0, [144], [144], [144], [288], 2, 48)",
            "AddInPlace([288], [144], 96)",
            "Conv2DBackward([96], [6], [144], null, [6], [3], [96], 2, conv 2x4x4→3x4x4 k1x1 s1,1 p0,0)",
        }, backend.Calls);

        // The three contributions to conv2d_1's gradient land in one buffer; the scratch is shared.
        var convGradient = backend.Buffers[2][1];
        Assert.Same(convGradient, backend.Buffers[3][1]);
        Assert.Same(convGradient, backend.Buffers[6][1]);
        Assert.Same(convGradient, backend.Buffers[7][2]);
        Assert.Same(backend.Buffers[5][3], backend.Buffers[6][0]);
        Assert.Single(network.Outputs);
    }

    [Fact]
    public void AuxiliaryOutputsAreListedWithTheirBuffersAndWeights()
    {
        var run = GeneratorHarness.Run(GraphNetworks.Inception);
        var type = GeneratorHarness.Load(run, "SmallInception");
        var network = (INetwork)Activator.CreateInstance(type, 2, new RecordingBackend(), 0)!;
        Assert.Equal(2, network.Outputs.Count);
        Assert.Same(network.Output, network.Outputs[0].Output);
        Assert.Same(network.OutputGradient, network.Outputs[0].OutputGradient);
        Assert.Equal(1f, network.Outputs[0].LossWeight);
        Assert.Equal("aux", network.Outputs[1].Name);
        Assert.Equal(0.3f, network.Outputs[1].LossWeight);
        Assert.Equal(Activation.Softmax, network.Outputs[1].Activation);
        Assert.Equal(5, network.Outputs[1].Output.Length / 2);
    }

    [Fact]
    public void BatchNormCountsStatisticsAsNonTrainable()
    {
        var run = GeneratorHarness.Run("""
            using Unroll;
            [Network(2, 5, 5)]
            [Conv2D(4, 3, UseBias = false), BatchNorm(Momentum = 0.9), Relu, GlobalAvgPool2D, Dense(3), BatchNorm(Scale = false)]
            public partial class Normalized;
            """);
        AssertClean(run);
        var source = run.Source("Normalized.g.cs");
        // conv 72, bn 4·4 = 16 (8 trainable), dense 15, bn 3·3 = 9 (3 trainable).
        Assert.Contains("public const int ParameterCount = 112;", source);
        Assert.Contains("public const int TrainableParameterCount = 98;", source);
        Assert.Contains("Non-trainable params: 14", source);
        Assert.Contains("\"batch_normalization_1.running_var\", new[] { 4 }, global::Unroll.ParameterInit.Ones, isTrainable: false", source);
        Assert.Contains("private static readonly global::Unroll.BatchNormGeometry s_batchNormalization1Geometry = new global::Unroll.BatchNormGeometry(4, 9, 0.9f, 0.001f);", source);
        Assert.Contains("_backend.BatchNormForward(_conv2d1Out, _batchNormalization1Out, new global::Unroll.BatchNormBuffers(BatchNormalization1Weight.Value, BatchNormalization1Bias.Value, BatchNormalization1RunningMean.Value, BatchNormalization1RunningVar.Value, _batchNormalization1Mean, _batchNormalization1InvStd), batch, in s_batchNormalization1Geometry, training);", source);
        Assert.Contains("_backend.BatchNormForward(_dense1Out, _batchNormalization2Out, new global::Unroll.BatchNormBuffers(null, BatchNormalization2Bias.Value", source);
        Assert.Contains("s_batchNormalization2Geometry = new global::Unroll.BatchNormGeometry(3, 1, 0.99f, 0.001f);", source);
        Assert.Contains("throw new global::System.InvalidOperationException(\"Backward needs a training-mode forward pass", source);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal)) count++;
        return count / 3; // forward, backward and ONNX comments
    }
}
