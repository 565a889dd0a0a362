using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Unroll.Tests.Generator;

/// <summary>One test per diagnostic: id, severity, the exact span it points at and, for the key ones, the message.</summary>
public class DiagnosticTests
{
    private static Diagnostic Single(string source, string id, DiagnosticSeverity severity, string snippet, int occurrence = 1)
    {
        var run = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(run.Unroll);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal(GeneratorHarness.SpanOf(source, snippet, occurrence), diagnostic.Location.GetLineSpan().Span);
        Assert.Equal("Source0.cs", diagnostic.Location.GetLineSpan().Path);
        if (severity == DiagnosticSeverity.Error) Assert.Empty(run.Sources);
        return diagnostic;
    }

    [Fact]
    public void UNR0001_ClassNotPartial()
    {
        var d = Single("""
            using Unroll;
            [Network(4), Dense(2)]
            public class Mlp { }
            """, "UNR0001", DiagnosticSeverity.Error, "Mlp");
        Assert.Equal("Network class 'Mlp' must be declared partial so the generator can add its forward and backward passes; write 'partial class Mlp'", d.GetMessage());
    }

    [Fact]
    public void UNR0002_LayersWithoutNetwork()
    {
        var d = Single("""
            using Unroll;
            [Dense(10), Softmax]
            public partial class Forgot;
            """, "UNR0002", DiagnosticSeverity.Error, "Forgot");
        Assert.Equal("Class 'Forgot' has layer attribute [Dense(10)] but no [Network] attribute, so no network is generated; add [Network(...)] with the input shape, such as [Network(784)] or [Network(1, 28, 28)]", d.GetMessage());
    }

    [Fact]
    public void UNR0003_InvalidInputShape_Empty()
    {
        var d = Single("""
            using Unroll;
            [Network()]
            [Dense(2)]
            public partial class Shapeless;
            """, "UNR0003", DiagnosticSeverity.Error, "Network()");
        Assert.Equal("[Network] of 'Shapeless' has input shape (), but no dimensions were given; give (features), (steps, features), (channels, height, width) or (channels, depth, height, width) with every dimension at least 1, such as [Network(784)] or [Network(1, 28, 28)]", d.GetMessage());
    }

    [Fact]
    public void UNR0003_InvalidInputShape_RankAndNonPositive()
    {
        Assert.Contains("it has 5 dimensions", Single("""
            using Unroll;
            [Network(1, 2, 3, 4, 5), Dense(2)]
            public partial class Flat;
            """, "UNR0003", DiagnosticSeverity.Error, "Network(1, 2, 3, 4, 5)").GetMessage());
        Assert.Contains("input shape (1, 0, 28), but every dimension must be at least 1", Single("""
            using Unroll;
            [Network(1, 0, 28), Dense(2)]
            public partial class Zero;
            """, "UNR0003", DiagnosticSeverity.Error, "Network(1, 0, 28)").GetMessage());
    }

    [Fact]
    public void UNR0004_NoLayers()
    {
        var d = Single("""
            using Unroll;
            [Network(784)]
            public partial class Empty;
            """, "UNR0004", DiagnosticSeverity.Error, "Network(784)");
        Assert.Equal("Network 'Empty' has no layers; add layer attributes after [Network], such as [Dense(10), Softmax]", d.GetMessage());
    }

    [Theory]
    [InlineData("Dense(0)", "Dense 'dense_1' has units 0, but a Dense layer needs at least 1 unit")]
    [InlineData("Dropout(1.0)", "Dropout 'dropout_1' has rate 1, but the dropout rate must be in [0, 1)")]
    [InlineData("LeakyRelu(double.NaN)", "LeakyRelu 'leaky_relu_1' has alpha NaN, but alpha must be a finite number")]
    [InlineData("Scale(double.PositiveInfinity)", "Scale 'scale_1' has factor Infinity, but the factor must be a finite number")]
    [InlineData("Dense(3, Name = \"a b\")", "Dense 'a b' has Name \"a b\", but a name must be non-empty and use only letters, digits, '_' and '-'")]
    public void UNR0005_InvalidArgument_Vector(string layer, string message)
    {
        var source = $$"""
            using Unroll;
            [Network(8)]
            [{{layer}}]
            public partial class Bad;
            """;
        Assert.Equal(message, Single(source, "UNR0005", DiagnosticSeverity.Error, layer).GetMessage());
    }

    [Theory]
    [InlineData("Conv2D(0, 3)", "Conv2D 'conv2d_1' has filters 0, but a Conv2D layer needs at least 1 filter")]
    [InlineData("Conv2D(4, 3, 0)", "Conv2D 'conv2d_1' has a 3×0 kernel, but kernel sizes must be at least 1")]
    [InlineData("Conv2D(4, 3, Stride = 0)", "Conv2D 'conv2d_1' has Stride = 0, but the stride must be at least 1")]
    [InlineData("MaxPool2D(2, Pad = -1)", "MaxPool2D 'max_pooling2d_1' has Pad = -1, but Pad must be 0 or more")]
    [InlineData("AvgPool2D(3, Pad = 1, Padding = Padding.Same)", "AvgPool2D 'average_pooling2d_1' has both Pad = 1 and Padding = Padding.Same, but use one of them: Padding.Same computes the padding, Pad gives it explicitly")]
    [InlineData("MaxPool2D(2, Pad = 2)", "MaxPool2D 'max_pooling2d_1' has Pad = 2 with a window of 2, but a pooling window's Pad must be at most half its size, or some windows would hold only padding")]
    [InlineData("Conv2D(2, 3, Padding = (Padding)7)", "Conv2D 'conv2d_1' has Padding = 7, but padding must be Padding.Valid or Padding.Same")]
    public void UNR0005_InvalidArgument_Image(string layer, string message)
    {
        var source = $$"""
            using Unroll;
            [Network(1, 8, 8)]
            [{{layer}}]
            public partial class Bad;
            """;
        Assert.Equal(message, Single(source, "UNR0005", DiagnosticSeverity.Error, layer).GetMessage());
    }

    [Fact]
    public void UNR0006_DenseAfterImageWithoutFlatten()
    {
        var d = Single("""
            using Unroll;
            [Network(1, 28, 28)]
            [Conv2D(6, 5, Padding = Padding.Same), Relu, MaxPool2D(2)]
            [Conv2D(16, 5), Relu, MaxPool2D(2)]
            [Dense(120), Relu, Dense(10)]
            public partial class NoFlatten;
            """, "UNR0006", DiagnosticSeverity.Error, "Dense(120)");
        Assert.Equal("Dense 'dense_1' expects a 1-D input but receives (16, 5, 5); add [Flatten] before it", d.GetMessage());
    }

    [Fact]
    public void UNR0007_ConvolutionAfterVector()
    {
        var d = Single("""
            using Unroll;
            [Network(784)]
            [Dense(64), MaxPool2D(2)]
            public partial class PoolAfterDense;
            """, "UNR0007", DiagnosticSeverity.Error, "MaxPool2D(2)");
        Assert.Equal("MaxPool2D 'max_pooling2d_1' expects a (channels, height, width) input but receives (64); move it before [Flatten] or give [Network] a (channels, height, width) shape", d.GetMessage());
    }

    [Fact]
    public void UNR0008_KernelLargerThanInput()
    {
        // Without Same padding on the first convolution, the second one sees 4×4.
        var d = Single("""
            using Unroll;
            [Network(1, 28, 28)]
            [Conv2D(6, 5), Relu, MaxPool2D(2), MaxPool2D(3)]
            [Conv2D(16, 5), Relu]
            public partial class TooSmall;
            """, "UNR0008", DiagnosticSeverity.Error, "Conv2D(16, 5)");
        Assert.Equal("Conv2D 'conv2d_2' has a 5×5 kernel but its input is (6, 4, 4) with padding 0; use a smaller kernel, add padding (Pad or Padding = Padding.Same), or remove a pooling layer before it", d.GetMessage());
    }

    [Fact]
    public void UNR0009_DuplicateLayerName()
    {
        var d = Single("""
            using Unroll;
            [Network(8)]
            [Dense(4, Name = "hidden"), Relu, Dense(2, Name = "hidden")]
            public partial class Twice;
            """, "UNR0009", DiagnosticSeverity.Error, "Dense(2, Name = \"hidden\")");
        Assert.Equal("Layer name 'hidden' is already used by layer 1 ('hidden'); give each layer a distinct Name", d.GetMessage());
    }

    [Fact]
    public void UNR0009_NamesThatCollideAsMembers()
    {
        Assert.Contains("as the C# name 'Fc1'", Single("""
            using Unroll;
            [Network(8)]
            [Dense(4, Name = "fc_1"), Dense(2, Name = "fc1")]
            public partial class Clash;
            """, "UNR0009", DiagnosticSeverity.Error, "Dense(2, Name = \"fc1\")").GetMessage());
    }

    [Fact]
    public void UNR0010_GenericClass()
    {
        var d = Single("""
            using Unroll;
            [Network(8), Dense(2)]
            public partial class Generic<T>;
            """, "UNR0010", DiagnosticSeverity.Error, "Generic");
        Assert.Equal("'Generic' cannot be a network because it is generic; generated networks fix every size at compile time; remove the type parameters", d.GetMessage());
    }

    [Fact]
    public void UNR0010_NestedInGenericClass()
    {
        Assert.Contains("nested in the generic type 'Outer'", Single("""
            using Unroll;
            public partial class Outer<T>
            {
                [Network(8), Dense(2)]
                public partial class Inner;
            }
            """, "UNR0010", DiagnosticSeverity.Error, "Inner").GetMessage());
    }

    [Fact]
    public void UNR0011_ContainingTypeNotPartial()
    {
        var d = Single("""
            using Unroll;
            public class Outer
            {
                [Network(8), Dense(2)]
                public partial class Inner;
            }
            """, "UNR0011", DiagnosticSeverity.Error, "Inner");
        Assert.Equal("Network 'Inner' is nested in 'Outer', which must be declared partial too so the generator can add the network's members; write 'partial class Outer'", d.GetMessage());
    }

    [Fact]
    public void UNR0012_StrideLeavesInputUnused_IsAWarningAndStillGenerates()
    {
        const string source = """
            using Unroll;
            [Network(1, 8, 8)]
            [Conv2D(2, 3, Stride = 2), Flatten, Dense(1)]
            public partial class Strided;
            """;
        var d = Single(source, "UNR0012", DiagnosticSeverity.Warning, "Conv2D(2, 3, Stride = 2)");
        Assert.Equal("Conv2D 'conv2d_1' with a 3×3 window and stride 2 over its 8×8 input (padding 0) never reads the last 1 row(s) and 1 column(s); adjust the stride, kernel or padding if that is not intended", d.GetMessage());
        var run = GeneratorHarness.Run(source);
        Assert.Single(run.Sources);
        Assert.Empty(run.CompilationDiagnostics);
    }

    [Fact]
    public void UNR0012_IsNotReportedWhenOnlyPaddingGoesUnread()
    {
        // 224 + 2·3 − 7 = 223 is odd, so the last padded row is never read, but every input row is: as in ResNet stems.
        var run = GeneratorHarness.Run("""
            using Unroll;
            [Network(3, 224, 224)]
            [Conv2D(8, 7, Stride = 2, Pad = 3), Flatten, Dense(1)]
            public partial class Stem;
            """);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "UNR0012");
    }

    [Fact]
    public void UNR0013_LayerOnAnotherPartialDeclaration()
    {
        Single("""
            using Unroll;
            [Network(8), Dense(4)]
            public partial class Split;
            [Relu]
            public partial class Split;
            """, "UNR0013", DiagnosticSeverity.Error, "Relu");
    }

    [Fact]
    public void UNR0014_LayerTooLarge()
    {
        Assert.Contains("needs 4,294,967,296 values for its output (65536, 256, 256)", Single("""
            using Unroll;
            [Network(1, 256, 256)]
            [Conv2D(65536, 1)]
            public partial class Huge;
            """, "UNR0014", DiagnosticSeverity.Error, "Conv2D(65536, 1)").GetMessage());
    }

    [Fact]
    public void WarningsCanBeSuppressedWithPragma()
    {
        var run = GeneratorHarness.Run("""
            using Unroll;
            [Network(1, 8, 8)]
            #pragma warning disable UNR0012 // the last row and column are meant to be skipped
            [Conv2D(2, 3, Stride = 2), Flatten, Dense(1)]
            #pragma warning restore UNR0012
            public partial class Strided;
            """);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "UNR0012" && !d.IsSuppressed);
    }

    [Fact]
    public void EveryErrorInOneDeclarationIsReported()
    {
        var run = GeneratorHarness.Run("""
            using Unroll;
            [Network(8)]
            [Dense(0), Dropout(2.0), Dense(3, Name = "x"), Dense(3, Name = "x")]
            public partial class Many;
            """);
        Assert.Equal(new[] { "UNR0005", "UNR0005", "UNR0009" }, run.Unroll.Select(d => d.Id).ToArray());
    }
}
