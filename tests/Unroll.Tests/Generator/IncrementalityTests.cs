extern alias generator;

using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using generator::Unroll.Generators;
using Xunit;

namespace Unroll.Tests.Generator;

/// <summary>Typing elsewhere must not re-parse, re-check or regenerate a network.</summary>
public class IncrementalityTests
{
    private static readonly string Network = GeneratorHarness.ModelSource("LeNet5");

    private static GeneratorRun RunTwice(System.Func<Compilation, Compilation> edit, string? network = null)
    {
        var compilation = GeneratorHarness.Compilation(network ?? Network, "namespace Other { public class Existing { } }");
        var first = GeneratorHarness.Run(GeneratorHarness.Driver(), compilation);
        Assert.Single(first.Sources);
        return GeneratorHarness.Run(first.Driver, edit(compilation));
    }

    private static void AssertSteps(GeneratorRun run, string[] steps, params IncrementalStepRunReason[] allowed)
    {
        var result = run.Result.Results.Single();
        foreach (var name in steps)
        {
            if (!result.TrackedSteps.TryGetValue(name, out var runs)) continue; // a step with no items this run
            foreach (var output in runs.SelectMany(r => r.Outputs))
                Assert.True(allowed.Contains(output.Reason), $"Step {name} reported {output.Reason}.");
        }
    }

    [Fact]
    public void AddingAnUnrelatedClassLeavesEveryStepCached()
    {
        var run = RunTwice(c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { int X; }", GeneratorHarness.ParseOptions, path: "Unrelated.cs")));

        AssertSteps(run, TrackingNames.All, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        Assert.True(run.Result.Results.Single().TrackedSteps.ContainsKey(TrackingNames.Parse));
        AssertNoSourceRegenerated(run);
        Assert.Single(run.Sources);
    }

    [Fact]
    public void EditingAnotherFileLeavesEveryStepCached()
    {
        var run = RunTwice(c =>
        {
            var old = c.SyntaxTrees.Single(t => t.FilePath == "Source1.cs");
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(old.ToString() + "\n// a comment\nnamespace Other { class More { } }", GeneratorHarness.ParseOptions, path: "Source1.cs"));
        });

        AssertSteps(run, TrackingNames.All, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertNoSourceRegenerated(run);
    }

    [Fact]
    public void CommentAboveTheNetworkMovesDiagnosticsButRegeneratesNothing()
    {
        // The parse step sees new spans, but the model that code is emitted from holds no locations.
        var run = RunTwice(c =>
        {
            var old = c.SyntaxTrees.Single(t => t.FilePath == "Source0.cs");
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText("// a new first line\n" + old, GeneratorHarness.ParseOptions, path: "Source0.cs"));
        });

        AssertSteps(run, new[] { TrackingNames.Networks }, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertNoSourceRegenerated(run);
    }

    [Fact]
    public void ChangingALayerRegeneratesTheNetwork()
    {
        var run = RunTwice(c =>
        {
            var old = c.SyntaxTrees.Single(t => t.FilePath == "Source0.cs");
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(old.ToString().Replace("Dense(120)", "Dense(100)"), GeneratorHarness.ParseOptions, path: "Source0.cs"));
        });

        var outputs = run.Result.Results.Single().TrackedSteps[TrackingNames.Networks].SelectMany(r => r.Outputs).ToList();
        Assert.Contains(outputs, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("s_dense1Geometry = new global::Unroll.DenseGeometry(400, 100);", run.Source("Unroll.Models.LeNet5.g.cs"));
    }

    [Fact]
    public void EditingAnotherFileLeavesADefinitionMethodNetworkCached()
    {
        var run = RunTwice(c =>
        {
            var old = c.SyntaxTrees.Single(t => t.FilePath == "Source1.cs");
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(old.ToString() + "\n// a comment\nnamespace Other { class More { } }", GeneratorHarness.ParseOptions, path: "Source1.cs"));
        }, GraphNetworks.ResNet);

        AssertSteps(run, TrackingNames.All, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertNoSourceRegenerated(run);
    }

    [Fact]
    public void CommentInsideADefinitionMethodRegeneratesNothing()
    {
        // The parse step reruns (its file changed) and evaluates Define again, but the checked model is equal.
        var run = RunTwice(c =>
        {
            var old = c.SyntaxTrees.Single(t => t.FilePath == "Source0.cs");
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(old.ToString().Replace("return x.GlobalAvgPool2D()", "// the head\n        return x.GlobalAvgPool2D()"), GeneratorHarness.ParseOptions, path: "Source0.cs"));
        }, GraphNetworks.ResNet);

        AssertSteps(run, new[] { TrackingNames.Networks }, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
        AssertNoSourceRegenerated(run);
    }

    private static void AssertNoSourceRegenerated(GeneratorRun run)
    {
        // The output that adds the source reads the Networks step. (The diagnostics outputs also read the compilation, to
        // rebuild in-tree locations for #pragma, so they rerun on every edit; they only report, and are cheap.)
        var codeOutputs = run.Result.Results.Single().TrackedOutputSteps["SourceOutput"]
            .Where(step => step.Inputs.Any(i => i.Source.Name == TrackingNames.Networks))
            .ToList();
        Assert.NotEmpty(codeOutputs);
        Assert.All(codeOutputs.SelectMany(step => step.Outputs), o =>
            Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"The source output reported {o.Reason}."));
    }
}
