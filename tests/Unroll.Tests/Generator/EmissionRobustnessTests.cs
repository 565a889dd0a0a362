extern alias generator;

using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Emitter = generator::Unroll.Generators.Emitter;

namespace Unroll.Tests.Generator;

/// <summary>
/// The generator never breaks its user's build: every declaration it accepts compiles, and every one it cannot emit
/// gets a diagnostic at the class or layer that causes it. One network's problem never costs another its code.
/// </summary>
public class EmissionRobustnessTests
{
    /// <summary>No generator diagnostic, no compiler error, and one file per network.</summary>
    private static GeneratorRun AssertCompiles(int networks, params string[] sources)
    {
        var run = GeneratorHarness.Run(sources);
        Assert.Empty(run.Unroll);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Equal(networks, run.Sources.Count);
        return run;
    }

    private static Diagnostic AssertSingle(string source, string id, string snippet, int occurrence = 1)
    {
        var run = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(run.Unroll);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(GeneratorHarness.SpanOf(source, snippet, occurrence), diagnostic.Location.GetLineSpan().Span);
        Assert.Empty(run.Sources);
        return diagnostic;
    }

    // ---- File names ----

    [Fact]
    public void NetworksWhoseFileNamesDifferOnlyInCaseBothGetCode()
    {
        // The compiler compares hint names ignoring case; before, the second AddSource threw and no network got code.
        var run = AssertCompiles(4, """
            using Unroll;
            namespace Demo
            {
                [Network(4), Dense(2)] public partial class Mlp;
                [Network(4), Dense(3)] public partial class MLP;
            }
            namespace demo { [Network(4), Dense(2)] public partial class Mlp; }
            namespace Other { [Network(4), Dense(2)] public partial class Plain; }
            """);
        // Ordered by exact name (ordinal): Demo.MLP, Demo.Mlp, demo.Mlp.
        Assert.Equal(new[] { "Demo.MLP.g.cs", "Demo.Mlp.2.g.cs", "Other.Plain.g.cs", "demo.Mlp.3.g.cs" },
            run.Sources.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
        Assert.Contains("public partial class Mlp : global::Unroll.INetwork<global::demo.Mlp>", run.Source("demo.Mlp.3.g.cs"));
    }

    [Fact]
    public void UniqueFileNamesDoNotMakeOneNetworksEditReEmitAnother()
    {
        // File names depend on every network's declaration (not its layers), so a layer edit re-emits only its network.
        const string a = "using Unroll; [Network(4), Dense(2)] public partial class A;";
        const string b = "using Unroll; [Network(4), Dense(3)] public partial class B;";
        var compilation = GeneratorHarness.Compilation(a, b);
        var first = GeneratorHarness.Run(GeneratorHarness.Driver(), compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(t => t.FilePath == "Source0.cs"),
            CSharpSyntaxTree.ParseText(a.Replace("Dense(2)", "Dense(5)"), GeneratorHarness.ParseOptions, path: "Source0.cs"));
        var second = GeneratorHarness.Run(first.Driver, edited);

        var reasons = second.Result.Results.Single().TrackedOutputSteps["SourceOutput"]
            .Where(step => step.Inputs.Any(i => i.Source.Name == generator::Unroll.Generators.TrackingNames.Networks))
            .SelectMany(step => step.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Single(reasons, r => r is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains("new global::Unroll.DenseGeometry(4, 5);", second.Source("A.g.cs"));
    }

    [Fact]
    public void VerbatimIdentifiersAreEscapedInCodeAndLeftOutOfFileNames()
    {
        // namespace @event, class @class: the '@' used to reach the hint name (rejected) and was missing from the code.
        var run = AssertCompiles(2, """
            using Unroll;
            namespace @event.@fixed
            {
                public static partial class @static
                {
                    [Network(4), Dense(2)] public partial class @class;
                }
            }
            namespace Other { [Network(4), Dense(2)] public partial class Plain; }
            """);
        var source = run.Source("event.fixed.static.class.g.cs");
        Assert.Contains("namespace @event.@fixed", source);
        Assert.Contains("public partial class @class : global::Unroll.INetwork<global::@event.@fixed.@static.@class>", source);
        Assert.Contains("public @class(int capacity = 1", source);
    }

    // ---- Names that collide in the generated code ----

    [Theory]
    [InlineData("size")]
    [InlineData("channels")]
    [InlineData("height")]
    [InlineData("width")]
    [InlineData("features")]
    [InlineData("parameter_count")]
    [InlineData("name")]
    [InlineData("layers")]
    public void LayerNamedLikeAMemberOfItsConstantsClassCompiles(string name)
    {
        // Layers.Size held `const int Size` (CS0542); such a layer's constants class is now Layers.Size_.
        var run = AssertCompiles(2, $$"""
            using Unroll;
            [Network(1, 4, 4)]
            [Conv2D(2, 3, Name = "{{name}}"), Flatten, Dense(2)]
            public partial class Image;
            [Network(4), Dense(3, Name = "{{name}}"), Dense(2)]
            public partial class Vector;
            """);
        var member = generator::Unroll.Generators.Naming.PascalCase(name) + "_";
        var layers = run.Output.GetTypeByMetadataName("Image")!.GetTypeMembers("Layers").Single();
        var constants = layers.GetTypeMembers(member).Single();
        Assert.Equal(name, ((IFieldSymbol)constants.GetMembers("Name").Single()).ConstantValue);
        Assert.Equal(2, ((IFieldSymbol)constants.GetMembers("Channels").Single()).ConstantValue);
    }

    [Theory]
    [InlineData("Layers")]
    [InlineData("Summary")]
    [InlineData("Input")]
    [InlineData("ParameterCount")]
    [InlineData("MaxCapacity")]
    [InlineData("Forward")]
    public void ClassNamedLikeAGeneratedMemberIsReported(string name)
    {
        var d = AssertSingle($$"""
            using Unroll;
            [Network(4), Dense(2)]
            public partial class {{name}};
            """, "UNR0030", name);
        Assert.Equal($"Network class '{name}' has the name of the member '{name}' that every generated network has, and a C# member cannot have its class's name; rename the class", d.GetMessage());
    }

    [Fact]
    public void ClassNamedLikeALayersParameterIsReported()
    {
        var d = AssertSingle("""
            using Unroll;
            [Network(4), Dense(2, Name = "hidden")]
            public partial class HiddenWeight;
            """, "UNR0030", "HiddenWeight");
        Assert.Equal("Network class 'HiddenWeight' has the name of the member 'HiddenWeight' generated for layer 'hidden', and a C# member cannot have its class's name; rename the class or the layer", d.GetMessage());
    }

    [Theory]
    [InlineData("public partial class Net(int size);")]
    [InlineData("public partial class Net();")]
    [InlineData("public partial record Net(int Size);")]
    public void PrimaryConstructorIsReported(string declaration)
    {
        var d = AssertSingle($$"""
            using Unroll;
            [Network(4), Dense(2)]
            {{declaration}}
            """, "UNR0010", "Net", occurrence: 2);
        Assert.Equal("'Net' cannot be a network because it has a primary constructor; the generated constructor (capacity, backend, seed) cannot call it: remove the parameter list and declare fields or properties instead", d.GetMessage());
    }

    [Fact]
    public void DerivedMemberNamesThatCollideAreReportedAtTheLaterLayer()
    {
        // SeparableConv2D 's' declares SDepthwiseWeight; a Dense named 's_depthwise' would declare it too.
        var source = """
            using Unroll;
            [Network(3, 8, 8)]
            [SeparableConv2D(4, 3, Name = "s"), Flatten, Dense(2, Name = "s_depthwise")]
            public partial class Clash;
            """;
        var d = AssertSingle(source, "UNR0009", "Dense(2, Name = \"s_depthwise\")");
        Assert.Equal("Layer name 's_depthwise' is already used by layer 1 ('s') as the C# name 'SDepthwiseWeight'; give each layer a distinct Name", d.GetMessage());

        // Its intermediate buffer _aMidGrad against the gradient of a layer named 'a_mid'.
        Assert.Contains("as the C# name '_aMidGrad'", AssertSingle("""
            using Unroll;
            [Network(3, 8, 8)]
            [SeparableConv2D(4, 3, Name = "a"), Relu(Name = "a_mid"), Flatten, Dense(2)]
            public partial class Buffers;
            """, "UNR0009", "Relu(Name = \"a_mid\")").GetMessage());
    }

    [Fact]
    public void NamesThatMeetOnlyAfterCasingAreReported()
    {
        // The Kelvin sign (U+212A) lower-cases to 'k': the members differ (\u212Ax, Kx) but both fields were _kxOut (CS0102).
        var d = AssertSingle("""
            using Unroll;
            [Network(4)]
            [Dense(3, Name = "\u212Ax"), Dense(2, Name = "Kx")]
            public partial class Kelvin;
            """, "UNR0009", "Dense(2, Name = \"Kx\")");
        Assert.Equal("Layer name 'Kx' is already used by layer 1 ('\u212Ax') as the C# name '_kxOut'; give each layer a distinct Name", d.GetMessage());
    }

    [Fact]
    public void LayerNamedInputBesideTheInputsGradientCompiles()
    {
        // The network input owns a gradient buffer when a Flatten of it is an output; it was _inputGrad, like the layer's.
        AssertCompiles(1, """
            using Unroll;
            [Network(1, 2, 2)]
            public partial class Echo
            {
                static (Tensor, Tensor) Define(Tensor x)
                {
                    var flat = x.Flatten();
                    return (flat.Dense(2, name: "input"), flat);
                }
            }
            """);
    }

    [Theory]
    [InlineData("namespace Demo { public class System { } public class Math { } public class Array { } public class Unroll { } public class Single { } }", "Demo")]
    [InlineData("namespace Demo.System { public class Math { } public class Array { } public class FormattableString { } public class OverflowException { } }", "Demo.System")]
    public void FrameworkNamesShadowedByUserTypesDoNotBreakTheCode(string shadows, string ns)
    {
        // Every framework type in generated code is global::-qualified; every layer kind and a graph are emitted here.
        AssertCompiles(2, shadows, $$"""
            namespace {{ns}}
            {
                [global::Unroll.Network(3, 12, 12)]
                [global::Unroll.ZeroPadding2D(1), global::Unroll.Conv2D(4, 3), global::Unroll.BatchNorm, global::Unroll.Relu]
                [global::Unroll.DepthwiseConv2D(3), global::Unroll.SeparableConv2D(4, 3), global::Unroll.LeakyRelu, global::Unroll.MaxPool2D(2)]
                [global::Unroll.AvgPool2D(1), global::Unroll.Scale(0.5), global::Unroll.GlobalAvgPool2D, global::Unroll.Dropout(0.5)]
                [global::Unroll.Dense(3), global::Unroll.Softmax]
                public partial class Everything;

                [global::Unroll.Network(2, 4, 4)]
                public partial class Graph
                {
                    static global::Unroll.Tensor Define(global::Unroll.Tensor x)
                    {
                        var a = x.Conv2D(2, 3, padding: global::Unroll.Padding.Same);
                        var joined = global::Unroll.Tensor.Concat(a + x, x);
                        return joined.Flatten().Dense(2).Sigmoid();
                    }
                }
            }
            """);
    }

    // ---- Sizes that overflow an int ----

    [Theory]
    [InlineData("[ZeroPadding2D(int.MaxValue)]", "ZeroPadding2D(int.MaxValue)", "ZeroPadding2D 'zero_padding2d_1' needs 18,446,744,297,047,851,684 values for its output (1, 4294967322, 4294967322)")]
    [InlineData("[Conv2D(2, 3, Pad = int.MaxValue)]", "Conv2D(2, 3, Pad = int.MaxValue)", "Conv2D 'conv2d_1' needs 4,294,967,322 values for the rows of its padded input (28 + 4,294,967,294 of padding)")]
    [InlineData("[MaxPool2D(int.MaxValue, Stride = 1, Padding = Padding.Same)]", "MaxPool2D(int.MaxValue, Stride = 1, Padding = Padding.Same)", "MaxPool2D 'max_pooling2d_1' needs 2,147,483,674 values for the rows of its padded input (28 + 2,147,483,646 of padding)")]
    [InlineData("[SeparableConv2D(4, 3, DepthMultiplier = 1 << 22)]", "SeparableConv2D(4, 3, DepthMultiplier = 1 << 22)", "SeparableConv2D 'separable_conv2d_1' needs 2,835,349,504 values for its depthwise output (4194304, 26, 26)")]
    [InlineData("[DepthwiseConv2D(3, DepthMultiplier = 1 << 22)]", "DepthwiseConv2D(3, DepthMultiplier = 1 << 22)", "DepthwiseConv2D 'depthwise_conv2d_1' needs 2,835,349,504 values for its output (4194304, 26, 26)")]
    public void SizesBeyondAnIntAreReportedAtTheLayer(string layer, string snippet, string message)
    {
        var source = $$"""
            using Unroll;
            [Network(1, 28, 28)]
            {{layer}}
            [Flatten, Dense(2)]
            public partial class Huge;
            """;
        var d = AssertSingle(source, "UNR0014", snippet);
        Assert.StartsWith(message, d.GetMessage());
    }

    [Fact]
    public void ParameterCountsBeyondALongAreReported()
    {
        // 4 channels × (2^31 − 1)² kernel weights exceed a long; the sum with the pointwise weights must not hide that.
        var d = AssertSingle("""
            using Unroll;
            [Network(4, 1, 1)]
            [SeparableConv2D(1, int.MaxValue, Padding = Padding.Same), Flatten, Dense(2)]
            public partial class Enormous;
            """, "UNR0014", "SeparableConv2D(1, int.MaxValue, Padding = Padding.Same)");
        Assert.StartsWith("SeparableConv2D 'separable_conv2d_1' needs more than 9,223,372,036,854,775,807 values for its parameters", d.GetMessage());
    }

    [Fact]
    public void AHugeSamePaddedPoolWithItsOwnStrideIsAGlobalPool()
    {
        // ceil(28 / (2^31 − 1)) = 1: one window over everything. 28 + 2^31 − 2 used to overflow to an empty output.
        var run = AssertCompiles(1, """
            using Unroll;
            [Network(2, 28, 28)]
            [MaxPool2D(int.MaxValue, Padding = Padding.Same), Flatten, Dense(2)]
            public partial class Global;
            """);
        Assert.Contains("new global::Unroll.Pool2DGeometry(2, 28, 28, 2147483647, 2147483647, 2147483647, 2147483647, 1073741809, 1073741809, 1, 1)", run.Source("Global.g.cs"));
    }

    // ---- Float arguments, checked as the floats the code holds ----

    [Theory]
    [InlineData("Dropout(0.99999999999)", "Dropout 'dropout_1' has rate 0.99999999999 (1 as a float), but the dropout rate must be in [0, 1)")]
    [InlineData("BatchNorm(Epsilon = double.Epsilon)", "BatchNorm 'batch_normalization_1' has epsilon 5E-324 (0 as a float), but epsilon must be a small positive number, such as 1e-3")]
    [InlineData("BatchNorm(Momentum = 0.99999999999)", "BatchNorm 'batch_normalization_1' has momentum 0.99999999999 (1 as a float), but the momentum must be in [0, 1)")]
    [InlineData("LeakyRelu(1e39)", "LeakyRelu 'leaky_relu_1' has alpha 1E+39 (Infinity as a float), but alpha must be a finite number")]
    [InlineData("Scale(-1e300)", "Scale 'scale_1' has factor -1E+300 (-Infinity as a float), but the factor must be a finite number")]
    public void FloatArgumentsAreCheckedAfterConversion(string layer, string message)
    {
        var d = AssertSingle($$"""
            using Unroll;
            [Network(2, 4, 4)]
            [{{layer}}, Flatten, Dense(2)]
            public partial class Rounded;
            """, "UNR0005", layer);
        Assert.StartsWith(message, d.GetMessage());
    }

    [Fact]
    public void LossWeightBeyondFloatRangeIsReported()
    {
        // 1e300 passed the evaluator's double check and was emitted as 'Infinityf'.
        var source = """
            using Unroll;
            [Network(4)]
            public partial class Weighted
            {
                static Tensor Define(Tensor x) => x.Dense(2).LossWeight(1e300);
            }
            """;
        var d = AssertSingle(source, "UNR0005", "x.Dense(2)");
        Assert.Equal("Dense 'dense_1' has loss weight 1E+300 (Infinity as a float), but a loss weight must be a finite number of 0 or more within float's range", d.GetMessage());
    }

    [Theory]
    [InlineData(0.25, "0.25f")]
    [InlineData(1e-5, "1E-05f")]
    [InlineData(1e300, "float.PositiveInfinity")]
    [InlineData(-1e300, "float.NegativeInfinity")]
    [InlineData(double.NaN, "float.NaN")]
    public void FloatLiteralsAlwaysCompile(double value, string literal) => Assert.Equal(literal, Emitter.Float(value));

    // ---- UNR0012 is about convolutions ----

    [Theory]
    [InlineData("MaxPool2D(2)")]
    [InlineData("AvgPool2D(2)")]
    [InlineData("AvgPool2D(3)")]
    public void PoolingThatFloorsAnOddMapIsQuiet(string pool)
    {
        // A 2×2 pool over 11×11 drops the last row and column, as in every framework; builds with warnings as errors broke.
        AssertCompiles(1, $$"""
            using Unroll;
            [Network(1, 11, 11)]
            [{{pool}}, Flatten, Dense(2)]
            public partial class Pooled;
            """);
    }

    // ---- Capacity ----

    [Fact]
    public void CapacityTooLargeNamesTheBufferAndTheLimit()
    {
        Assert.Equal(456_522, Unroll.Models.LeNet5.MaxCapacity);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Unroll.Models.LeNet5(capacity: 1_000_000));
        Assert.Equal("capacity", e.ParamName);
        Assert.StartsWith("The capacity 1,000,000 is too large: conv2d_1's output would need 4,704,000,000 values, more than an array holds (2,147,483,647); the largest capacity for LeNet5 is 456,522.", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Unroll.Models.LeNet5(capacity: Unroll.Models.LeNet5.MaxCapacity + 1));
    }

    [Fact]
    public void AWorkspaceTooLargeForAnArrayNamesTheLayer()
    {
        // The backend decides the workspace; whether it overflows (checked) or wraps negative, the error names the layer.
        foreach (var length in new Func<Conv2DGeometry, int, int>[] { (_, _) => throw new OverflowException(), (_, _) => -4 })
        {
            var backend = new RecordingBackend { WorkspaceLength = length };
            var e = Assert.Throws<ArgumentException>(() => new Unroll.Models.LeNet5(capacity: 3, backend: backend));
            Assert.Equal("capacity", e.ParamName);
            Assert.StartsWith("The capacity 3 is too large: conv2d_1's convolution workspace would need more values than an array holds (2,147,483,647); use a smaller capacity.", e.Message);
        }
    }
}
