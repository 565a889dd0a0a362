using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;
using Xunit.Abstractions;

namespace Unroll.Tests.Generator;

/// <summary>
/// Mutates valid network declarations (src/Models, <see cref="GraphNetworks"/>, README's examples; attribute and
/// definition-method forms) with a seeded RNG and checks, for each mutated source, that the generator never throws, never
/// reports UNR9999, never emits code that adds a compile error (errors with and without the generated sources are
/// compared; any error in a generated file fails), and finishes each case within <see cref="CaseTimeLimit"/>.
/// CI runs <see cref="DefaultCases"/> cases. A longer run: <c>UNROLL_FUZZ_CASES=5000 dotnet test tests/Unroll.Tests -c Release --filter FuzzTests</c>
/// (<c>UNROLL_FUZZ_SEED</c> picks another seed). A failure prints the case number, its mutations and the mutated source.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private const int DefaultCases = 200;
    private const int DefaultSeed = 20250101;
    /// <summary>Generous: cases take tens of milliseconds; only a gross excess (a runaway loop, a quadratic blow-up) fails.</summary>
    private static readonly TimeSpan CaseTimeLimit = TimeSpan.FromSeconds(10);

    [Fact]
    public void MutatedDeclarationsNeverBreakTheBuild()
    {
        var cases = int.TryParse(Environment.GetEnvironmentVariable("UNROLL_FUZZ_CASES"), out var n) && n > 0 ? n : DefaultCases;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("UNROLL_FUZZ_SEED"), out var s) ? s : DefaultSeed;
        var seeds = Seeds();
        Assert.True(seeds.Count >= 15, $"expected the models, graph networks and README examples as seeds, found {seeds.Count}");

        var failures = new List<string>();
        var total = Stopwatch.StartNew();
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < cases && failures.Count < 5; i++)
        {
            // One RNG per case, so that case i is reproducible alone.
            var rng = new Random(unchecked(seed * 7919 + i));
            var (seedName, seedSource) = seeds[rng.Next(seeds.Count)];
            var source = seedSource;
            var applied = new List<string>();
            var count = 1 + rng.Next(3);
            for (var k = 0; k < count; k++)
            {
                var mutation = Mutations[rng.Next(Mutations.Length)];
                source = mutation.Apply(rng, source);
                applied.Add(mutation.Name);
            }

            var (problem, elapsed) = Check(source);
            if (elapsed > slowest) slowest = elapsed;
            if (problem is not null)
                failures.Add($"case {i} (seed {seed}, from {seedName}, mutations {string.Join(", ", applied)}): {problem}\n----- source -----\n{source}\n------------------");
        }
        output.WriteLine($"{cases} cases in {total.Elapsed.TotalSeconds:F1} s, slowest case {slowest.TotalSeconds:F2} s");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>What is wrong with the generator's run on <paramref name="source"/>, or null; and how long the run took.</summary>
    private static (string? Problem, TimeSpan Elapsed) Check(string source)
    {
        var clock = Stopwatch.StartNew();
        GeneratorRun run;
        try
        {
            run = EvaluatorRobustnessTests.RunOnSmallStack(source);
        }
        catch (Exception ex)
        {
            return ("the generator threw: " + (ex.InnerException ?? ex), clock.Elapsed);
        }
        var elapsed = clock.Elapsed;
        if (elapsed > CaseTimeLimit) return ($"took {elapsed.TotalSeconds:F1} s, more than {CaseTimeLimit.TotalSeconds} s", elapsed);

        var internalErrors = run.GeneratorDiagnostics.Where(d => d.Id is "UNR9999" or "CS8785").ToList();
        if (internalErrors.Count > 0) return ("internal error: " + string.Join("; ", internalErrors), elapsed);

        var generatedTrees = run.Output.SyntaxTrees.Except(run.Output.SyntaxTrees.Take(1)).ToHashSet();
        static string Key(Diagnostic d) => $"{d.Id} {d.Location.SourceTree?.FilePath} {d.Location.SourceSpan}";
        var before = GeneratorHarness.Compilation(source).GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error).Select(Key).ToHashSet();
        var added = run.Output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Where(d => (d.Location.SourceTree is { } tree && generatedTrees.Contains(tree)) || !before.Contains(Key(d)))
            .ToList();
        if (added.Count > 0)
        {
            var generated = string.Join("\n", run.Sources.Select(kv => $"// {kv.Key}\n{Excerpt(kv.Value, added)}"));
            return ("the generated code does not compile: " + string.Join("; ", added.Take(5)) + "\n" + generated, elapsed);
        }
        return (null, elapsed);
    }

    private static string Excerpt(string generated, List<Diagnostic> errors)
    {
        var lines = generated.Split('\n');
        var wanted = errors.Select(e => e.Location.GetLineSpan().StartLinePosition.Line).Where(l => l < lines.Length).Distinct().Take(3);
        return string.Join("\n", wanted.Select(l => $"line {l + 1}: {lines[l].Trim()}"));
    }

    // ---- Seeds ------------------------------------------------------------------------------------------------------

    private static List<(string Name, string Source)> Seeds()
    {
        var seeds = new List<(string, string)>();
        var models = Path.GetDirectoryName(GeneratorHarness.TestFile("x"))!;
        foreach (var file in Directory.GetFiles(Path.Combine(models, "..", "..", "..", "src", "Models"), "*.cs").OrderBy(f => f, StringComparer.Ordinal))
            seeds.Add(("src/Models/" + Path.GetFileName(file), File.ReadAllText(file)));
        seeds.Add(("GraphNetworks.ResNet", GraphNetworks.ResNet));
        seeds.Add(("GraphNetworks.Inception", GraphNetworks.Inception));
        // ResidualConcat stubs the runtime's ParameterInitializer for the call-sequence tests; mutating that stand-in would
        // break the generated code's calls into the runtime, which is no input of the generator's.
        var stub = GraphNetworks.ResidualConcat.IndexOf("namespace Unroll", StringComparison.Ordinal);
        seeds.Add(("GraphNetworks.ResidualConcat", GraphNetworks.ResidualConcat.Substring(0, stub)));
        var readme = File.ReadAllText(Path.Combine(models, "..", "..", "..", "README.md"));
        var k = 0;
        foreach (Match block in Regex.Matches(readme, "```csharp\n(.*?)```", RegexOptions.Singleline))
        {
            var code = block.Groups[1].Value;
            if (!code.Contains("[Network(")) continue;
            seeds.Add(($"README example {++k}", code.Contains("using Unroll;") ? code : "using Unroll;\n" + code));
        }
        return seeds;
    }

    // ---- Mutations --------------------------------------------------------------------------------------------------

    private sealed record Mutation(string Name, Func<Random, string, string> Apply);

    private static T Pick<T>(Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    private static readonly string[] Sizes = { "0", "-1", "1", "2", "3", "7", "64", "1000000", "int.MaxValue", "int.MinValue", "65536", "-2147483647" };

    private static readonly string[] Doubles = { "0.0", "0.5", "1.0", "-0.5", "1e-9", "2.5", "double.NaN", "1e300", "0.99999999999", "double.Epsilon" };

    private static readonly string[] Names =
    {
        "\"\"", "\"ñame\"", "\"名前\"", "\"a\\\"b\"", "\"a\\\\b\"", "\"@x\"", "\"a b\"", "\"x-y\"", "\"_\"", "\"9lives\"",
        "\"dense_1\"", "\"conv2d_1\"", "\"\\u0000\"", "\"\\n\"", "null",
    };

    private static readonly string[] RandomTokens = { ";", "{", "}", "(", ")", ",", "[", "]", "x", "0", "+", ".", "static", "class", "\"", "=>", "=", "Tensor", "Network", "-" };

    private static readonly string[] Statements =
    {
        "try { } catch { }",
        "System.Func<int> f = () => 1;",
        "var sum = System.Linq.Enumerable.Sum(new[] { 1, 2 });",
        "{ var i = 0; again: i++; if (i < 3) goto again; }",
        "static int Twice(int n) => 2 * n;",
        "while (true) { }",
        "for (var i = 0; i < int.MaxValue; i++) { }",
        "var up = 0; while (up >= 0) up += 1000;",
        "var zero = 0; var bad = 1 / zero;",
        "var big = int.MaxValue; big = big + 1;",
        "var m = int.MinValue; m = System.Math.Abs(m);",
        "Tensor nothing = null!; x = nothing.Relu();",
        "Tensor nothing = null!; x = x + nothing;",
        "x = x + x.Relu();",
        "x = x.Flatten(); x = x + x.Dense(x.Features + 1);",
        "x = Tensor.Concat(x, x);",
        "x = Tensor.Concat(x, x.MaxPool2D(2));",
        "x = Tensor.Concat();",
        "x = Recurse(x, 0);",
        "for (var i = 0; i < 300; i++) x = x.Relu();",
        "for (var i = 0; i < 20000; i++) x = x.Relu();",
        "var s = \"a\"; for (var i = 0; i < 64; i++) s = s + s;",
        "object t = 1; for (var i = 0; i < 24; i++) t = (t, t); var text = $\"{t}\";",
        "x = x" + string.Concat(Enumerable.Repeat(".Relu()", 500)) + ";",
        "var deep = " + string.Concat(Enumerable.Repeat("-(", 300)) + "1" + new string(')', 300) + ";",
        "var a = 1; var wide = " + string.Join(" + ", Enumerable.Repeat("a", 3000)) + ";",
        "if (x.Rank == 3) x = x.Flatten();",
        "x = x.LossWeight(-1);",
        "var r = x.Rank; x = x.Dense(r * 0);",
        "x = Helper(x);",
    };

    private static readonly string[] Members =
    {
        "static Tensor Recurse(Tensor t, int n) => Recurse(t, n + 1);",
        "static Tensor Helper(Tensor t) { return t.Relu(); }",
        "static Tensor Helper(Tensor t) => Helper(t);",
        "static int Size = 3;",
        "const int Units = 0;",
        "static Tensor Define(Tensor x, int y) => x;",
    };

    private static readonly string[] LayerLists =
    {
        "[Dense(0)]", "[Conv2D(3, 0)]", "[Conv2D(4, 3, Stride = 0)]", "[Conv2D(4, 3, Groups = 0)]", "[Conv2D(4, 3, Groups = 3)]",
        "[MaxPool2D(0)]", "[ZeroPadding2D(-1)]", "[Dropout(-0.5)]", "[Flatten]", "[Softmax]", "[BatchNorm(Momentum = 2)]",
        "[DepthwiseConv2D(3, DepthMultiplier = 0)]", "[SeparableConv2D(0, 3)]", "[AvgPool2D(2, Stride = -1)]", "[Conv2D(4, 3, Pad = -1)]",
        "[Relu, Relu, Relu]", "[GlobalAvgPool2D]", "[Dense(3, Name = \"\")]", "[Scale(double.NaN)]", "[LeakyRelu(-1)]",
        "[ZeroPadding2D(int.MaxValue)]", "[Conv2D(4, 3, Pad = int.MaxValue)]", "[DepthwiseConv2D(3, DepthMultiplier = 1048576)]",
        "[Conv2D(4, 3, Stride = int.MaxValue)]", "[MaxPool2D(int.MaxValue)]", "[Dense(int.MaxValue)]", "[Conv2D(int.MaxValue, 1)]",
        "[Dropout(0.99999999999)]", "[Dense(3, Name = \"size\")]", "[Dense(3, Name = \"parameter_count\")]",
        "[SeparableConv2D(4, 3, Name = \"s\"), Flatten, Dense(3, Name = \"s_depthwise\")]",
        "[" + string.Join(", ", Enumerable.Repeat("Relu", 300)) + "]",
        "[" + string.Join(", ", Enumerable.Repeat("Dense(4)", 200)) + "]",
    };

    private static readonly Mutation[] Mutations =
    {
        new("size", (rng, s) => ReplaceToken(rng, s, t => t.IsKind(SyntaxKind.NumericLiteralToken) && t.Value is int, _ => Pick(rng, Sizes))),
        new("double", (rng, s) => ReplaceToken(rng, s, t => t.IsKind(SyntaxKind.NumericLiteralToken) && t.Value is double, _ => Pick(rng, Doubles))),
        new("name", (rng, s) => ReplaceToken(rng, s, t => t.IsKind(SyntaxKind.StringLiteralToken), _ => Pick(rng, Names))),
        new("delete-token", (rng, s) => ReplaceToken(rng, s, t => true, _ => "")),
        new("insert-token", (rng, s) => ReplaceToken(rng, s, t => true, t => Pick(rng, RandomTokens) + " " + t.Text)),
        new("swap-lines", SwapLines),
        new("input-shape", InputShape),
        new("no-network", (rng, s) => Regex.Replace(s, @"\[Network\([^)\]]*\)\]|Network\([^)\]]*\),\s*", "")),
        new("repeat-network", (rng, s) => OnNetworkClass(s, c => Insert(s, c.SpanStart, "[Network(4)]\n"))),
        new("not-partial", (rng, s) => OnNetworkClass(s, c => Remove(s, c.Modifiers.FirstOrDefault(m => m.IsKind(SyntaxKind.PartialKeyword))))),
        new("static", (rng, s) => OnNetworkClass(s, c => Insert(s, c.Keyword.SpanStart, "static "))),
        new("generic", (rng, s) => OnNetworkClass(s, c => Insert(s, c.Identifier.Span.End, "<T>"))),
        new("nested", Nest),
        new("layers", (rng, s) => OnNetworkClass(s, c => c.AttributeLists.Count == 0 ? s
            : Insert(s, c.AttributeLists[rng.Next(c.AttributeLists.Count)].Span.End, "\n" + Pick(rng, LayerLists)))),
        new("statement", (rng, s) => InDefine(s, Pick(rng, Statements))),
        new("member", (rng, s) => OnNetworkClass(s, c => c.OpenBraceToken.IsMissing || c.OpenBraceToken.Span.Length == 0
            ? s : Insert(s, c.OpenBraceToken.Span.End, "\n" + Pick(rng, Members) + "\n"))),
    };

    private static string ReplaceToken(Random rng, string source, Func<SyntaxToken, bool> match, Func<SyntaxToken, string> replacement)
    {
        var tokens = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot().DescendantTokens()
            .Where(t => !t.IsKind(SyntaxKind.EndOfFileToken) && match(t)).ToList();
        if (tokens.Count == 0) return source;
        var token = tokens[rng.Next(tokens.Count)];
        return source.Substring(0, token.SpanStart) + replacement(token) + source.Substring(token.Span.End);
    }

    private static string SwapLines(Random rng, string source)
    {
        var lines = source.Split('\n');
        if (lines.Length < 2) return source;
        var a = rng.Next(lines.Length - 1);
        (lines[a], lines[a + 1]) = (lines[a + 1], lines[a]);
        return string.Join("\n", lines);
    }

    private static string InputShape(Random rng, string source)
    {
        var dims = new[] { "1", "2", "3", "4", "8", "28", "0", "-1", "int.MaxValue", "65536" };
        var rank = rng.Next(6);
        var shape = string.Join(", ", Enumerable.Range(0, rank).Select(_ => Pick(rng, dims)));
        return Regex.Replace(source, @"Network\([^)\]]*\)", $"Network({shape})");
    }

    private static string Nest(Random rng, string source) => OnNetworkClass(source, c =>
    {
        var outer = Pick(rng, new[] { "public partial class Outer", "public class Outer", "public partial class Outer<T>", "public static partial class Outer", "public partial struct Outer" });
        return source.Substring(0, c.FullSpan.Start) + outer + "\n{\n" + source.Substring(c.FullSpan.Start, c.FullSpan.Length) + "\n}\n" + source.Substring(c.FullSpan.End);
    });

    private static string OnNetworkClass(string source, Func<TypeDeclarationSyntax, string> change)
    {
        var root = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot();
        var network = root.DescendantNodes().OfType<TypeDeclarationSyntax>()
            .FirstOrDefault(t => t.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString() == "Network"));
        return network is null ? source : change(network);
    }

    private static string InDefine(string source, string statement)
    {
        var root = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot();
        var define = root.DescendantNodes().OfType<MethodDeclarationSyntax>().FirstOrDefault(m => m.Identifier.ValueText == "Define");
        if (define?.Body is { OpenBraceToken.IsMissing: false } body) return Insert(source, body.OpenBraceToken.Span.End, "\n" + statement + "\n");
        if (define?.ExpressionBody is { } arrow && define.SemicolonToken is { IsMissing: false } semicolon)
            return source.Substring(0, arrow.SpanStart) + "{\n" + statement + "\nreturn " + arrow.Expression + ";\n}" + source.Substring(semicolon.Span.End);
        return source;
    }

    private static string Insert(string source, int position, string text) => source.Substring(0, position) + text + source.Substring(position);

    private static string Remove(string source, SyntaxToken token)
        => token.Span.Length == 0 ? source : source.Substring(0, token.SpanStart) + source.Substring(token.Span.End);
}
