using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Unroll.Tests.Generator;

public class GeneratedSourceTests
{
    [Theory]
    [InlineData("FashionMlp")]
    [InlineData("LeNet5")]
    public void RealModelsGenerateCodeThatCompilesCleanly(string model)
    {
        var run = GeneratorHarness.Run(GeneratorHarness.ModelSource(model));

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationDiagnostics);
        Assert.Equal(new[] { $"Unroll.Models.{model}.g.cs" }, run.Sources.Keys.ToArray());
    }

    [Fact]
    public void FashionMlpConstants()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.ModelSource("FashionMlp"));
        var type = run.Output.GetTypeByMetadataName("Unroll.Models.FashionMlp")!;

        Assert.Equal(784, Constant(type, "InputSize"));
        Assert.Equal(10, Constant(type, "OutputSize"));
        Assert.Equal(235146, Constant(type, "ParameterCount"));
        var dense1 = type.GetTypeMembers("Layers").Single().GetTypeMembers("Dense1").Single();
        Assert.Equal("dense_1", Constant(dense1, "Name"));
        Assert.Equal(256, Constant(dense1, "Features"));
        Assert.Equal(200960, Constant(dense1, "ParameterCount"));
    }

    [Fact]
    public void FashionMlpSummaryFollowsKerasLayout()
    {
        // The real model, compiled by the generator at build time.
        string summary = Unroll.Models.FashionMlp.Summary;
        Assert.Equal(
            """
            Model: "FashionMlp"
            _______________________________________________________________________________
             Layer (type)                Output Shape              Param #   MACs
            ===============================================================================
             dense_1 (Dense)             (None, 256)               200960    200704
             relu_1 (ReLU)               (None, 256)               0         256
             dense_2 (Dense)             (None, 128)               32896     32768
             relu_2 (ReLU)               (None, 128)               0         128
             dense_3 (Dense)             (None, 10)                1290      1280
             softmax_1 (Softmax)         (None, 10)                0         10
            ===============================================================================
            Total params: 235,146
            Trainable params: 235,146
            Non-trainable params: 0
            Multiply-adds a sample: 235,146
            Activations a sample: 3,152 bytes
            _______________________________________________________________________________
            """.Replace("\r\n", "\n"),
            summary);
    }

    [Fact]
    public void LeNet5Constants()
    {
        // Same-padded first convolution: (1, 28, 28) → (6, 28, 28) → pool (6, 14, 14) → (16, 10, 10) → pool (16, 5, 5) → 400.
        Assert.Equal(61706, Unroll.Models.LeNet5.ParameterCount);
        Assert.Equal(784, Unroll.Models.LeNet5.InputSize);
        Assert.Equal(10, Unroll.Models.LeNet5.OutputSize);
        Assert.Equal(new[] { 1, 28, 28 }, Unroll.Models.LeNet5.InputShape.ToArray());
        Assert.Equal(new[] { 10 }, Unroll.Models.LeNet5.OutputShape.ToArray());
        Assert.Equal(6, Unroll.Models.LeNet5.Layers.Conv2d1.Channels);
        Assert.Equal(28, Unroll.Models.LeNet5.Layers.Conv2d1.Height);
        Assert.Equal(5, Unroll.Models.LeNet5.Layers.MaxPooling2d2.Width);
        Assert.Equal(400, Unroll.Models.LeNet5.Layers.Flatten1.Features);
        Assert.Equal(48120, Unroll.Models.LeNet5.Layers.Dense1.ParameterCount);
        Assert.Equal(61706, ParameterCountOf<Unroll.Models.LeNet5>());
        // The first column widens to fit " max_pooling2d_1 (MaxPooling2D)" (31 characters) plus two spaces.
        Assert.Contains(" conv2d_2 (Conv2D)               (None, 16, 10, 10)        2416      240000\n", Unroll.Models.LeNet5.Summary);
        Assert.Contains(" max_pooling2d_1 (MaxPooling2D)  (None, 6, 14, 14)         0         4704\n", Unroll.Models.LeNet5.Summary);
        Assert.EndsWith("Total params: 61,706\nTrainable params: 61,706\nNon-trainable params: 0\nMultiply-adds a sample: 429,342\nActivations a sample: 58,448 bytes\n" + new string('_', 83), Unroll.Models.LeNet5.Summary);
        // Cost: conv2d_1 is 6·28·28 outputs of 1·5·5 products; flatten_1 is an alias and writes nothing.
        Assert.Equal(117600, Unroll.Models.LeNet5.Layers.Conv2d1.MultiplyAdds);
        Assert.Equal(4 * 4704, Unroll.Models.LeNet5.Layers.Conv2d1.ActivationBytes);
        Assert.Equal(0, Unroll.Models.LeNet5.Layers.Flatten1.ActivationBytes);
        Assert.Equal(429342, Unroll.Models.LeNet5.MultiplyAdds);
        Assert.Equal(58448, Unroll.Models.LeNet5.ActivationBytes);
    }

    // Generic code reaches the same facts through the static abstract interface, without reflection.
    private static int ParameterCountOf<T>() where T : INetwork<T> => T.ParameterCount;

    /// <summary>A small network with dropout, for its baseline: the per-pass seed and the training/inference branch.</summary>
    private const string DropoutMlpSource = """
        using Unroll;

        namespace Unroll.Models;

        [Network(784)]
        [Dense(64), Relu, Dropout(0.25), Dense(10), Softmax]
        public partial class DropoutMlp;
        """;

    // LeNet5 (sequential), FashionResNet (a graph with BatchNorm, residual additions and a fused softmax) and a network
    // with dropout: the generated code changes only where a change to the generator means it to.
    [Theory]
    [InlineData("LeNet5")]
    [InlineData("FashionResNet")]
    [InlineData("DropoutMlp")]
    public void GeneratedCodeMatchesBaseline(string network)
    {
        var source = network == "DropoutMlp" ? DropoutMlpSource : GeneratorHarness.ModelSource(network);
        var generated = GeneratorHarness.Run(source).Source($"Unroll.Models.{network}.g.cs").Replace("\r\n", "\n");
        var path = GeneratorHarness.TestFile(Path.Combine("Baselines", $"{network}.g.cs.txt"));
        if (Environment.GetEnvironmentVariable("UNROLL_UPDATE_BASELINES") == "1")
        {
            File.WriteAllText(path, generated);
            return;
        }
        Assert.True(File.Exists(path), $"Missing baseline {path}; run the tests with UNROLL_UPDATE_BASELINES=1 to write it.");
        var expected = File.ReadAllText(path).Replace("\r\n", "\n");
        Assert.True(expected == generated,
            $"The generated {network} differs from {path}. If the change is intended, rerun with UNROLL_UPDATE_BASELINES=1 and review the diff.\n--- generated ---\n{generated}");
    }

    [Fact]
    public void NestedNetworkInPartialTypesAndDropoutCompile()
    {
        var run = GeneratorHarness.Run("""
            using Unroll;
            namespace Demo;
            public static partial class Outer
            {
                [Network(3, 8, 8)]
                [Conv2D(4, 3, Pad = 1, UseBias = false), LeakyRelu(0.2), AvgPool2D(2)]
                [Flatten, Dense(16), Elu, Dropout(0.25), Dense(1), Sigmoid]
                internal partial class Net;
            }
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationDiagnostics);
        var source = run.Source("Demo.Outer.Net.g.cs");
        Assert.Contains("partial class Outer", source);
        Assert.Contains("internal partial class Net : global::Unroll.INetwork<global::Demo.Outer.Net>", source);
        Assert.Contains("_backend.DropoutForward(_elu1Out, _dropout1Out, _dropout1Mask, 0.25f, DropoutSeed(6), batch * 16);", source);
        Assert.Contains("_backend.Conv2DForward(_input, Conv2d1Weight.Value, null, _conv2d1Out, _workspace, batch, in s_conv2d1Geometry);", source);
        Assert.Contains("_backend.ActivationForward(global::Unroll.Activation.LeakyRelu, 0.2f, _conv2d1Out, _leakyRelu1Out, batch, 256);", source);
        Assert.Contains("public global::Unroll.FloatBuffer Logits => _dense2Out;", source);
        Assert.Contains("global::Unroll.Activation.Sigmoid;", source);
        // conv2d_1 is followed by LeakyRelu, dense_1 by Elu: He init; dense_2 feeds a sigmoid: Glorot.
        Assert.Contains("\"conv2d_1.weight\", new[] { 4, 3, 3, 3 }, global::Unroll.ParameterInit.HeNormal", source);
        Assert.Contains("\"dense_1.weight\", new[] { 16, 64 }, global::Unroll.ParameterInit.HeNormal", source);
        Assert.Contains("\"dense_2.weight\", new[] { 1, 16 }, global::Unroll.ParameterInit.GlorotUniform", source);
    }

    [Fact]
    public void ExplicitNamesBecomeMemberNames()
    {
        var run = GeneratorHarness.Run("""
            using Unroll;
            [Network(4)]
            [Dense(3, Name = "hidden"), Tanh(Name = "act")]
            [Dense(2, Name = "out-layer")]
            public partial class Named;
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationDiagnostics);
        var source = run.Source("Named.g.cs");
        Assert.Contains("public global::Unroll.Parameter HiddenWeight { get; }", source);
        Assert.Contains("public global::Unroll.Parameter OutLayerBias { get; }", source);
        Assert.Contains("\"out-layer.weight\"", source);
        Assert.Contains("public static class Act", source);
        Assert.Contains("public global::Unroll.Activation OutputActivation => global::Unroll.Activation.Linear;", source);
    }

    [Fact]
    public void SamePaddingWithStrideSplitsExtraToBottomRight()
    {
        // 7 wide, stride 2, kernel 4: out = ceil(7 / 2) = 4, total pad = 3·2 + 4 − 7 = 3 → top/left 1 (extra on bottom/right).
        var run = GeneratorHarness.Run("""
            using Unroll;
            [Network(1, 7, 7)]
            [Conv2D(2, 4, Stride = 2, Padding = Padding.Same), MaxPool2D(3, Stride = 1, Padding = Padding.Same)]
            public partial class Strided;
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationDiagnostics);
        var source = run.Source("Strided.g.cs");
        Assert.Contains("new global::Unroll.Conv2DGeometry(1, 7, 7, 2, 4, 4, 2, 2, 1, 1, 4, 4)", source);
        Assert.Contains("new global::Unroll.Pool2DGeometry(2, 4, 4, 3, 3, 1, 1, 1, 1, 4, 4)", source);
    }

    private static object? Constant(INamedTypeSymbol type, string name)
        => ((IFieldSymbol)type.GetMembers(name).Single()).ConstantValue;
}
