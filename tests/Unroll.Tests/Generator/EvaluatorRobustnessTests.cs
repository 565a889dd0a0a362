using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Unroll.Tests.Generator;

/// <summary>
/// Definition methods and attributes that once crashed the compiler or the generator (a stack overflow, an exception
/// reported as UNR9999, minutes of work): each now ends in generated code or in one located diagnostic.
/// </summary>
public class EvaluatorRobustnessTests
{
    /// <summary>Runs the generator on a thread with a 1 MB stack: the compiler's own threads may be that small.</summary>
    internal static GeneratorRun RunOnSmallStack(string source)
    {
        GeneratorRun? run = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { run = GeneratorHarness.Run(source); }
            catch (Exception ex) { error = ex; }
        }, maxStackSize: 1 << 20);
        thread.Start();
        thread.Join();
        if (error is not null) throw new InvalidOperationException("The generator run failed.", error);
        return run!;
    }

    private static Diagnostic Single(GeneratorRun run)
    {
        Assert.Empty(run.Sources);
        return Assert.Single(run.Unroll);
    }

    private static void AssertAt(Diagnostic diagnostic, string source, string snippet)
        => Assert.Equal(GeneratorHarness.SpanOf(source, snippet), diagnostic.Location.GetLineSpan().Span);

    private static void AssertCompiles(GeneratorRun run)
        => Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

    private static string Define(string body, string shape = "4") => $$"""
        using Unroll;
        [Network({{shape}})]
        public partial class Net
        {
            static Tensor Define(Tensor x)
            {
                {{body}}
            }
        }
        """;

    // ---- Long expressions: no recursion per operand ----------------------------------------------------------------

    [Fact]
    public void FiveThousandTermSumIsEvaluatedOnASmallStack()
    {
        var sum = string.Join(" + ", Enumerable.Repeat("a", 5000));
        var run = RunOnSmallStack(Define($"var a = 1;\nvar units = {sum};\nreturn x.Dense(units);"));
        Assert.Empty(run.Unroll);
        Assert.Contains("5000", Assert.Single(run.Sources).Value);
        AssertCompiles(run);
    }

    [Fact]
    public void TwoThousandTensorAddsAreEvaluatedOnASmallStack()
    {
        var sum = string.Join(" + ", Enumerable.Repeat("y", 2000));
        var run = RunOnSmallStack(Define($"var y = x.Dense(3);\nreturn ({sum}).Dense(2);"));
        Assert.Empty(run.Unroll);
        Assert.Single(run.Sources);
    }

    [Fact]
    public void NinetyChainedCallsAreEvaluatedOnASmallStack()
    {
        var chain = string.Concat(Enumerable.Repeat(".Relu()", 90));
        var run = RunOnSmallStack(Define($"return x.Dense(3){chain}.Dense(2);"));
        Assert.Empty(run.Unroll);
        Assert.Contains("relu_90", Assert.Single(run.Sources).Value);
    }

    [Fact]
    public void ThreeThousandChainedCallsAreReportedOnASmallStack()
    {
        // Roslyn's nullable analysis recurses once per link and overflows a 1 MB stack near 600 links, so the generator
        // must not even ask for the method's operations: the depth is checked on the syntax and reported at the name.
        var chain = string.Concat(Enumerable.Repeat(".Relu()", 3000));
        var source = Define($"return x.Dense(3){chain}.Dense(2);");
        var diagnostic = Single(RunOnSmallStack(source));
        Assert.Equal("UNR0025", diagnostic.Id);
        Assert.StartsWith("'return x.Dense(3).Relu().Relu()", diagnostic.GetMessage());
        Assert.EndsWith("' nests expressions or statements more than 200 deep in a definition method; split it into locals or helper methods", diagnostic.GetMessage());
        AssertAt(diagnostic, source, "Define");
    }

    [Fact]
    public void LongElseIfChainIsEvaluatedOnASmallStack()
    {
        var chain = string.Join("\nelse ", Enumerable.Range(0, 1500).Select(i => $"if (n == {i}) units = {i + 1};"));
        var run = RunOnSmallStack(Define($"var n = 1499;\nvar units = 0;\n{chain}\nreturn x.Dense(units);"));
        Assert.Empty(run.Unroll);
        Assert.Contains("1500", Assert.Single(run.Sources).Value);
    }

    [Fact]
    public void DeeplyNestedExpressionReportsItsNesting()
    {
        // Right-nested: each level is a real recursion in the evaluator, so it is bounded with a diagnostic.
        var nested = string.Concat(Enumerable.Repeat("-(", 600)) + "a" + new string(')', 600);
        var source = Define($"var a = 1;\nvar units = {nested};\nreturn x.Dense(units);");
        // Roslyn's own binder recurses here too (and overflows a 1 MB stack near 1,000 levels), so the depth is checked on
        // the syntax, before anything binds the method.
        var diagnostic = Single(RunOnSmallStack(source));
        Assert.Equal("UNR0025", diagnostic.Id);
        Assert.StartsWith("'var units = -(-(-(", diagnostic.GetMessage());
        Assert.EndsWith("' nests expressions or statements more than 200 deep in a definition method; split it into locals or helper methods", diagnostic.GetMessage());
        AssertAt(diagnostic, source, "Define");
    }

    [Fact]
    public void DeepRecursionThroughNestedExpressionsStaysOnTheStack()
    {
        // 60 helper levels, each nesting 10 expressions: the nesting bound holds over all frames together.
        var nested = string.Concat(Enumerable.Repeat("(1 + ", 10)) + "Deeper(depth + 1)" + new string(')', 10);
        var source = $$"""
            using Unroll;
            [Network(4)]
            public partial class Net
            {
                static Tensor Define(Tensor x) => x.Dense(Deeper(0));
                static int Deeper(int depth) => depth == 60 ? 1 : {{nested}};
            }
            """;
        var diagnostic = Single(RunOnSmallStack(source));
        Assert.Equal("UNR0025", diagnostic.Id);
        Assert.Contains("called from Define line 5", diagnostic.GetMessage());
    }

    // ---- Exceptions that were UNR9999 --------------------------------------------------------------------------------

    [Fact]
    public void NullNetworkShapeIsAnInvalidShape()
    {
        const string source = """
            using Unroll;
            [Network(null!), Dense(2)]
            public partial class Net;
            """;
        var diagnostic = Single(GeneratorHarness.Run(source));
        Assert.Equal("UNR0003", diagnostic.Id);
        Assert.Equal("[Network] of 'Net' has input shape null, but null is not a shape; give (features), (steps, features), (channels, height, width) or (channels, depth, height, width) with every dimension at least 1, such as [Network(784)] or [Network(1, 28, 28)]",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "Network(null!)");
    }

    [Fact]
    public void ConcatWithoutInputsIsReported()
    {
        var source = Define("return Tensor.Concat().Dense(2);", "3, 4, 4");
        var diagnostic = Single(GeneratorHarness.Run(source));
        Assert.Equal("UNR0015", diagnostic.Id);
        Assert.Equal("'Tensor.Concat()' is not supported in a definition method; Tensor.Concat joins at least one Tensor: pass the Tensors to join",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "Tensor.Concat()");
    }

    [Theory]
    [InlineData("var units = System.Math.Abs(int.MinValue);", "System.Math.Abs(int.MinValue)", "Math.Abs(-2147483648)")]
    [InlineData("var m = int.MinValue; var d = -1; var units = m / d;", "m / d", "-2147483648 / -1")]
    [InlineData("var m = int.MinValue; var d = -1; var units = m % d + 1;", "m % d", "")]
    [InlineData("var big = 65536; var units = big * big;", "big * big", "65536 * 65536")]
    [InlineData("var big = int.MaxValue; var units = big + 1;", "big + 1", "2147483647 + 1")]
    [InlineData("var m = int.MinValue; var units = -m;", "-m", "-(-2147483648)")]
    [InlineData("var units = int.MaxValue; units++;", "units++", "2147483647 + 1")]
    [InlineData("var d = 1e10; var units = (int)d;", "(int)d", "(int)10000000000")]
    public void IntegerOverflowIsReportedWhereItHappens(string statements, string snippet, string computation)
    {
        var source = Define(statements + "\nreturn x.Dense(units);");
        var run = GeneratorHarness.Run(source);
        if (computation == "")
        {
            // int.MinValue % -1 is 0 in C#'s arithmetic; it must not throw.
            Assert.DoesNotContain(run.Unroll, d => d.Severity == DiagnosticSeverity.Error);
            return;
        }
        var diagnostic = Single(run);
        Assert.Equal("UNR0027", diagnostic.Id);
        Assert.Equal($"'{snippet}' overflows int ({computation}) when the generator evaluates it at compile time; an int holds -2,147,483,648 to 2,147,483,647; use smaller values",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, snippet);
    }

    [Fact]
    public void DivisionByZeroIsReportedWhereItHappens()
    {
        var source = Define("var zero = 0;\nreturn x.Dense(8 / zero);");
        var diagnostic = Single(GeneratorHarness.Run(source));
        Assert.Equal("UNR0027", diagnostic.Id);
        Assert.Equal("'8 / zero' divides by zero (8 / 0) when the generator evaluates it at compile time; make sure the divisor is not 0",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "8 / zero");
    }

    [Theory]
    [InlineData("namespace Unroll { public sealed class DenseAttribute : LayerAttribute { public DenseAttribute(long units) { } } }",
        "[Network(4), Dense(2L)]", "Attribute 'Unroll.DenseAttribute' on 'Net' takes 'long units' where Unroll's takes 'int units'")]
    [InlineData("namespace Other { public sealed class DenseAttribute : Unroll.LayerAttribute { public DenseAttribute(long units) { } } }",
        "[Network(4), Other.Dense(2L)]", "Attribute 'Other.DenseAttribute' on 'Net' derives from Unroll.LayerAttribute but is not one of Unroll's layer attributes")]
    [InlineData("namespace Unroll { public sealed class DenseAttribute : LayerAttribute { public DenseAttribute(int units) { } public long UseBias { get; set; } } }",
        "[Network(4), Dense(2, UseBias = 2L)]", "Attribute 'Unroll.DenseAttribute' on 'Net' has a property 'UseBias' of type 'long' where Unroll's is 'bool'")]
    [InlineData("namespace Unroll { public sealed class DenseAttribute : LayerAttribute { public DenseAttribute(int units) { } public int Stride { get; set; } } }",
        "[Network(4), Dense(2, Stride = 2)]", "Attribute 'Unroll.DenseAttribute' on 'Net' has a property 'Stride' that Unroll's [Dense] does not have")]
    [InlineData("namespace Unroll { public sealed class ReluAttribute : LayerAttribute { public ReluAttribute(string how) { } } }",
        "[Network(4), Dense(2), Relu(\"x\")]", "Attribute 'Unroll.ReluAttribute' on 'Net' has a constructor parameter 'how' that Unroll's [Relu] does not have")]
    [InlineData("namespace Unroll { public sealed class NetworkAttribute : System.Attribute { public NetworkAttribute(long size) { } } }",
        "[Network(4L), Dense(2)]", "Attribute 'Unroll.NetworkAttribute' on 'Net' takes (long size) where Unroll's [Network] takes (params int[] shape)")]
    public void AttributeThatHidesUnrollsIsReportedNotCast(string declaration, string attributes, string message)
    {
        var source = $$"""
            {{declaration}}
            namespace App
            {
                using Unroll;
                {{attributes}}
                public partial class Net;
            }
            """;
        var diagnostic = Single(GeneratorHarness.Run(source));
        Assert.Equal("UNR0028", diagnostic.Id);
        Assert.Equal(message + "; use Unroll's own attributes, and rename any class of the same name that hides one", diagnostic.GetMessage());
    }

    [Fact]
    public void OwnAttributeOfTheSameNameThatIsNoLayerIsIgnored()
    {
        const string source = """
            namespace App
            {
                using Unroll;
                public sealed class DenseAttribute : System.Attribute { public DenseAttribute(long units) { } }
                [Network(4), Dense(2L), Unroll.Dense(3)]
                public partial class Net;
            }
            """;
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.Unroll);
        Assert.Contains("dense_1", Assert.Single(run.Sources).Value);
        AssertCompiles(run);
    }

    [Theory]
    [InlineData("[Network(4), Dense(2)]\npublic partial class = Net;")]
    [InlineData("public partial class\n{\n    [Network(4), Dense(2)]\n    public partial class Net;\n}")]
    [InlineData("namespace Unroll.; Models;\n[Network(4), Dense(2)]\npublic partial class Net;")]
    [InlineData("namespace .Models\n{\n    [Network(4), Dense(2)]\n    public partial class Net;\n}")]
    public void ClassWithoutANameIsLeftToTheCompiler(string declaration)
    {
        // Found by FuzzTests: a generated 'partial class  : INetwork<Unroll.Models.>' added errors of its own, and
        // 'namespace Unroll.;' (seed 3, case 2707) a generated 'namespace Unroll.'.
        var run = GeneratorHarness.Run("using Unroll;\n" + declaration);
        Assert.Empty(run.Unroll);
        Assert.Empty(run.Sources);
        Assert.Contains(run.CompilationDiagnostics, d => d.Id == "CS1001");
    }

    // ---- Values that would take the compiler's memory or minutes -------------------------------------------------------

    [Fact]
    public void StringDoubledInALoopIsStopped()
    {
        var source = Define("var s = \"ab\";\nfor (var i = 0; i < 64; i++) s = s + s;\nreturn x.Dense(2, name: s);");
        var diagnostic = Single(GeneratorHarness.Run(source));
        Assert.Equal("UNR0026", diagnostic.Id);
        Assert.Equal("'s + s' makes a string of 8,192 characters, more than the 4,096 characters a definition method may build at compile time; strings in a definition method are for layer names, which stay short",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "s + s");
    }

    [Fact]
    public void TupleNestedInALoopAndInterpolatedIsStopped()
    {
        var source = Define("object t = 1;\nfor (var i = 0; i < 24; i++) t = (t, t);\nreturn x.Dense(2, name: $\"n{t}\");");
        var diagnostic = Single(GeneratorHarness.Run(source));
        Assert.Equal("UNR0026", diagnostic.Id);
        Assert.Equal("'(t, t)' makes a tuple of 16,384 values, more than the 10,000 values a definition method may build at compile time; tuples and arrays in a definition method hold layer settings, not data",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "(t, t)");
    }

    [Fact]
    public void InterpolatingALargeTupleIsStopped()
    {
        // 2^12 values fit, but their text does not: formatting stops at the string limit instead of building it all.
        var source = Define("object t = 12345678;\nfor (var i = 0; i < 12; i++) t = (t, t);\nreturn x.Dense(2, name: $\"n{t}\");");
        var diagnostic = Single(GeneratorHarness.Run(source));
        Assert.Equal("UNR0026", diagnostic.Id);
        Assert.StartsWith("'{t}' makes a string of more than 4,096 characters", diagnostic.GetMessage());
    }

    [Fact]
    public void TooManyLayersAreStopped()
    {
        var source = Define("for (var i = 0; i < 20000; i++) x = x.Relu();\nreturn x;");
        var diagnostic = Single(GeneratorHarness.Run(source));
        Assert.Equal("UNR0026", diagnostic.Id);
        Assert.Equal("'x.Relu()' makes layer 10,001, more than the 10,000 layers a definition method may build at compile time; a loop that adds layers must stop sooner",
            diagnostic.GetMessage());
    }

    [Fact]
    public void StringsWithQuotesKeepThemWhenJoined()
    {
        // Joining once trimmed quotes off the joined text ("\"" + "a" was "a"); Dense(0) would be reported if it still did.
        var run = GeneratorHarness.Run(Define("var q = \"\\\"\";\nreturn x.Dense(q + \"a\" == \"\\\"a\" && \"a\" + q == \"a\\\"\" ? 2 : 0);"));
        Assert.Empty(run.Unroll);
        Assert.Single(run.Sources);
    }

    // ---- The compiler's own errors are left alone ----------------------------------------------------------------------

    [Theory]
    [InlineData("return x.Dense(unit: 3);", "CS1739")]
    [InlineData("return x.Dense(Missing);", "CS0103")]
    [InlineData("var n = \"a\" * 2;\nreturn x.Dense(n);", "CS0019")]
    [InlineData("return x.Dense(Units);", "CS0029", "const int Units = \"8\";")]
    [InlineData("return x.Dense(2)", "CS1002")]
    [InlineData("return x.Dnse(2);", "CS1061")]
    [InlineData("int n;\nreturn x.Dense(n);", "CS0165")]
    public void CompilerErrorsInTheMethodAddNoDiagnostic(string body, string compilerError, string member = "")
    {
        var source = $$"""
            using Unroll;
            [Network(4)]
            public partial class Net
            {
                {{member}}
                static Tensor Define(Tensor x)
                {
                    {{body}}
                }
            }
            """;
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.Unroll);
        Assert.Empty(run.Sources);
        Assert.Contains(run.CompilationDiagnostics, d => d.Id == compilerError);
    }

    [Fact]
    public void CompilerErrorInAHelperAddsNoDiagnostic()
    {
        var run = GeneratorHarness.Run("""
            using Unroll;
            [Network(4)]
            public partial class Net
            {
                static Tensor Define(Tensor x) => Block(x);
                static Tensor Block(Tensor x) => x.Dense(unit: 3);
            }
            """);
        Assert.Empty(run.Unroll);
        Assert.Contains(run.CompilationDiagnostics, d => d.Id == "CS1739");
    }

    // ---- Unsupported constructs: located UNR0015, with quotes once ------------------------------------------------------

    [Theory]
    [InlineData("using System.Linq;", "var n = new[] { 1, 2 }.Sum();", "new[] { 1, 2 }.Sum()", "calling 'Enumerable.Sum' is not supported in a definition method; only Tensor methods, Tensor.Concat, Math.Min/Max/Abs and static methods of 'Net' can be called")]
    [InlineData("", "try { } catch { }", "try { } catch { }", "'try { } catch { }' is not supported in a definition method; definition methods may use locals, if, for, foreach, while, return and expressions")]
    [InlineData("", "System.Func<int> f = () => 1;", "() => 1", "'() => 1' is not supported in a definition method; definition methods may use int, double, bool and string values, tuples, arrays of constants, Tensor methods and static helpers of the network class")]
    [InlineData("", "var i = 0;\nagain: i++;\nif (i < 3) goto again;", "again: i++;", "'again: i++;' is not supported in a definition method; definition methods may use locals, if, for, foreach, while, return and expressions")]
    [InlineData("", "static int Twice(int n) => 2 * n;", "static int Twice(int n) => 2 * n;", "the local function 'Twice' is not supported in a definition method; make it a static method of the network class")]
    [InlineData("", "Tensor t = null!;\nx = t.Relu();", "t.Relu()", "'t.Relu()' is not supported in a definition method; the Tensor it is called on is null; call it on the input or on a Tensor a layer returned")]
    [InlineData("", "Tensor t = null!;\nx = x + t;", "x + t", "'x + t' is not supported in a definition method; one of the Tensors it adds is null")]
    [InlineData("", "Tensor missing = null!;\nx = Tensor.Concat(x, missing);", "missing)", "'missing' is not supported in a definition method; Tensor.Concat takes Tensors the definition method computed, not null")]
    public void UnsupportedConstructsAreReportedWhereTheyAre(string usings, string statements, string snippet, string message)
    {
        var source = $$"""
            {{usings}}
            using Unroll;
            [Network(4)]
            public partial class Net
            {
                static Tensor Define(Tensor x)
                {
                    {{statements}}
                    return x.Dense(2);
                }
            }
            """;
        var diagnostic = Single(GeneratorHarness.Run(source));
        Assert.Equal("UNR0015", diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage());
        // A snippet ending in ')' locates the argument before it.
        var span = GeneratorHarness.SpanOf(source, snippet);
        if (snippet.EndsWith(')') && !snippet.Contains('(')) span = new(span.Start, new(span.End.Line, span.End.Character - 1));
        Assert.Equal(span, diagnostic.Location.GetLineSpan().Span);
    }

    [Fact]
    public void CallingALocalFunctionIsReportedAtTheCall()
    {
        var source = Define("return F(x);\nstatic Tensor F(Tensor t) => t.Relu();");
        var diagnostic = Single(GeneratorHarness.Run(source));
        Assert.Equal("UNR0015", diagnostic.Id);
        Assert.Equal("calling the local function 'F' is not supported in a definition method; make it a static method of the network class",
            diagnostic.GetMessage());
        AssertAt(diagnostic, source, "F(x)");
    }

    [Fact]
    public void HugeLoopRunsOutOfSteps()
    {
        var source = Define("var n = 0;\nfor (var i = 0; i < int.MaxValue; i++) n += i % 2;\nreturn x.Dense(2);");
        Assert.Equal("UNR0018", Single(GeneratorHarness.Run(source)).Id);
    }
}
