using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Unroll.Tests.Generator;

/// <summary>Every definition-method and graph diagnostic: id, exact message and location.</summary>
public class GraphDiagnosticTests
{
    private static Diagnostic Single(string source)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.Sources);
        return Assert.Single(run.Unroll);
    }

    private static void AssertAt(Diagnostic diagnostic, string source, string snippet, int occurrence = 1)
        => Assert.Equal(GeneratorHarness.SpanOf(source, snippet, occurrence), diagnostic.Location.GetLineSpan().Span);

    [Fact]
    public void BrokenResidualBlockReportsTheAddWithItsHelperChain()
    {
        const string source = """
            using Unroll;
            [Network(64, 56, 56)]
            public partial class Broken
            {
                static Tensor Define(Tensor x)
                {
                    x = Bottleneck(x, 64, 1);
                    x = Bottleneck(x, 128, 2);
                    return x.GlobalAvgPool2D().Dense(10);
                }

                static Tensor Bottleneck(Tensor x, int filters, int stride)
                {
                    var y = x.Conv2D(filters, 3, stride: stride, padding: Padding.Same).Relu();
                    return y + x;
                }
            }
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0020", diagnostic.Id);
        Assert.Equal("Add 'add_2' needs inputs of the same shape but receives (128, 28, 28) and (64, 56, 56), in Bottleneck(filters: 128, stride: 2), called from Define line 8",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "y + x");
    }

    [Fact]
    public void MismatchedConcatIsReportedAtTheCall()
    {
        const string source = """
            using Unroll;
            [Network(3, 16, 16)]
            public partial class Joined
            {
                static Tensor Define(Tensor x)
                {
                    var a = x.Conv2D(8, 3);
                    var b = x.Conv2D(8, 1);
                    return Tensor.Concat(a, b).Flatten().Dense(2);
                }
            }
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0021", diagnostic.Id);
        Assert.Equal("Concat 'concatenate_1' joins (channels, height, width) inputs of the same height and width along channels but receives (8, 14, 14), (8, 16, 16); their heights and widths differ; pad or pool them to the same size",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "Tensor.Concat(a, b)");
    }

    [Fact]
    public void ConcatOfOneDimensionalValuesIsReported()
    {
        const string source = """
            using Unroll;
            [Network(4)]
            public partial class Flat
            {
                static Tensor Define(Tensor x) => Tensor.Concat(x.Dense(2), x.Dense(3));
            }
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0021", diagnostic.Id);
        Assert.Equal("Concat 'concatenate_1' joins (channels, height, width) inputs of the same height and width along channels but receives (2), (3); a 1-D input has no channels to join along; flatten after joining instead",
            diagnostic.GetMessage());
    }

    [Fact]
    public void UnsupportedConstructIsReportedWhereItIs()
    {
        const string source = """
            using Unroll;
            [Network(4)]
            public partial class Odd
            {
                static Tensor Define(Tensor x)
                {
                    var list = new System.Collections.Generic.List<int>();
                    return x.Dense(2);
                }
            }
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0015", diagnostic.Id);
        Assert.Equal("'new System.Collections.Generic.List<int>()' is not supported in a definition method; definition methods may use int, double, bool and string values, tuples, arrays of constants, Tensor methods and static helpers of the network class",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "new System.Collections.Generic.List<int>()");
    }

    [Fact]
    public void NonConstantFieldIsReported()
    {
        const string source = """
            using Unroll;
            [Network(4)]
            public partial class Configured
            {
                static int Units = 8;
                static Tensor Define(Tensor x) => x.Dense(Units);
            }
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0016", diagnostic.Id);
        Assert.Equal("'Units' is not a value the generator can compute at compile time: it is a field that is not const; use literals, constants, parameters and locals computed from them",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "Units", 2);
    }

    [Theory]
    [InlineData("Tensor Define(Tensor x) => x.Dense(2);", "it is not static")]
    [InlineData("static Tensor Define(Tensor x, int units) => x.Dense(units);", "it takes 2 parameters")]
    [InlineData("static int Define(Tensor x) => 1;", "it returns 'int'")]
    public void DefineWithAWrongSignatureIsReported(string method, string problem)
    {
        var source = $$"""
            using Unroll;
            [Network(4)]
            public partial class Wrong
            {
                {{method}}
            }
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0017", diagnostic.Id);
        Assert.Equal($"Definition method 'Define' of network 'Wrong' must be declared 'static Tensor Define(Tensor x)' (or return a tuple of Tensors, main output first), but {problem}",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "Define");
    }

    [Fact]
    public void EndlessLoopStopsWithADiagnostic()
    {
        const string source = """
            using Unroll;
            [Network(4)]
            public partial class Endless
            {
                static Tensor Define(Tensor x)
                {
                    var i = 0;
                    while (true) i++;
                }
            }
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0018", diagnostic.Id);
        Assert.Equal("Evaluating the definition method of 'Endless' took more than 1,000,000 steps; loops must end after a number of iterations known at compile time",
            diagnostic.GetMessage());
    }

    [Fact]
    public void UnboundedRecursionStopsWithADiagnostic()
    {
        const string source = """
            using Unroll;
            [Network(4)]
            public partial class Recursive
            {
                static Tensor Define(Tensor x) => Deeper(x, 0);
                static Tensor Deeper(Tensor x, int depth) => Deeper(x, depth + 1);
            }
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0019", diagnostic.Id);
        Assert.StartsWith("Call to 'Deeper' nests helper calls more than 64 deep, in Deeper(depth: 62), called from Deeper(depth: 61) line 6", diagnostic.GetMessage());
        Assert.EndsWith("called from Define line 5; a recursive helper needs a base case the generator reaches at compile time", diagnostic.GetMessage());
        AssertAt(diagnostic, source, "Deeper(x, depth + 1)");
    }

    [Fact]
    public void GroupsThatDoNotDivideTheChannelsAreReported()
    {
        const string source = """
            using Unroll;
            [Network(6, 8, 8)]
            [Conv2D(8, 3, Groups = 4), Flatten, Dense(2)]
            public partial class Grouped;
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0022", diagnostic.Id);
        Assert.Equal("Conv2D 'conv2d_1' has groups 4, which must divide both its input channels (6) and its filters (8); choose groups that divide both",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "Conv2D(8, 3, Groups = 4)");
    }

    [Theory]
    [InlineData("x.Dense(4).GlobalAvgPool2D()", "GlobalAvgPool2D 'global_average_pooling2d_1' expects a (channels, height, width) input but receives (4); move it before [Flatten] or give [Network] a (channels, height, width) shape", "x.Dense(4).GlobalAvgPool2D()")]
    [InlineData("x.Dense(4).ZeroPadding2D(1)", "ZeroPadding2D 'zero_padding2d_1' expects a (channels, height, width) input but receives (4); move it before [Flatten] or give [Network] a (channels, height, width) shape", "x.Dense(4).ZeroPadding2D(1)")]
    public void SpatialLayersOnOneDimensionalInputsAreReported(string expression, string message, string snippet)
    {
        var source = $$"""
            using Unroll;
            [Network(4)]
            public partial class Spatial
            {
                static Tensor Define(Tensor x) => {{expression}};
            }
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0007", diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage());
        AssertAt(diagnostic, source, snippet);
    }

    [Theory]
    [InlineData("Momentum = 1.5", "BatchNorm 'batch_normalization_1' has momentum 1.5, but the momentum must be in [0, 1): the fraction of the running statistics kept at each step, such as 0.99")]
    [InlineData("Epsilon = 0", "BatchNorm 'batch_normalization_1' has epsilon 0, but epsilon must be a small positive number, such as 1e-3")]
    public void InvalidBatchNormArgumentsAreReported(string argument, string message)
    {
        var source = $$"""
            using Unroll;
            [Network(4)]
            [Dense(3), BatchNorm({{argument}})]
            public partial class Normalized;
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0005", diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage());
        AssertAt(diagnostic, source, $"BatchNorm({argument})");
    }

    [Fact]
    public void AttributesAndDefineTogetherAreReported()
    {
        const string source = """
            using Unroll;
            [Network(4)]
            [Dense(3)]
            public partial class Both
            {
                static Tensor Define(Tensor x) => x.Dense(2);
            }
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0023", diagnostic.Id);
        Assert.Equal("Network 'Both' has both layer attributes and a definition method 'Define'; declare its layers one way: remove the attributes or the method",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "Define");
    }

    [Fact]
    public void DefineThatReturnsItsInputIsReported()
    {
        const string source = """
            using Unroll;
            [Network(4)]
            public partial class Identity
            {
                static Tensor Define(Tensor x) => x;
            }
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0024", diagnostic.Id);
        Assert.Equal("The definition method of 'Identity' returns its input without applying a layer to it; apply at least one layer, such as 'return x.Dense(10).Softmax();'",
            diagnostic.GetMessage());
    }

    [Fact]
    public void ShapeErrorInsideAHelperStillReportsOnlyOnce()
    {
        // A shape query after a failing layer stops the evaluation quietly; the checker reports the failing layer.
        const string source = """
            using Unroll;
            [Network(3, 8, 8)]
            public partial class Queried
            {
                static Tensor Define(Tensor x)
                {
                    x = x.Conv2D(4, 11);
                    return x.Channels > 2 ? x.Flatten().Dense(2) : x.Flatten().Dense(3);
                }
            }
            """;
        var diagnostic = Single(source);
        Assert.Equal("UNR0008", diagnostic.Id);
        AssertAt(diagnostic, source, "x.Conv2D(4, 11)");
    }
}
