extern alias generator;

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using generator::Unroll.Generators;

namespace Unroll.Tests.Generator;

/// <summary>What one in-memory run of the generator produced.</summary>
internal sealed record GeneratorRun(
    GeneratorDriver Driver,
    GeneratorDriverRunResult Result,
    Compilation Output,
    ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>Errors and warnings of the compilation with the generated sources added (hidden/info left out).</summary>
    public ImmutableArray<Diagnostic> CompilationDiagnostics =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();

    public IReadOnlyDictionary<string, string> Sources =>
        Result.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    public string Source(string hintName) => Sources[hintName];

    /// <summary>Every diagnostic from the generator with an UNR id.</summary>
    public IReadOnlyList<Diagnostic> Unroll => GeneratorDiagnostics.Where(d => d.Id.StartsWith("UNR", StringComparison.Ordinal)).ToList();
}

/// <summary>Runs the generator in memory on C# sources, as the compiler would.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly MetadataReference[] References = Basic.Reference.Assemblies.Net100.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(IBackend).Assembly.Location))
        .ToArray();

    // Generated members carry XML docs where they matter; the per-layer constants do not, like the models project we skip CS1591.
    private static readonly CSharpCompilationOptions Options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1591"] = ReportDiagnostic.Suppress });

    public static CSharpCompilation Compilation(params string[] sources)
        => CSharpCompilation.Create("Tests",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References, Options);

    public static GeneratorDriver Driver()
        => CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(params string[] sources) => Run(Driver(), Compilation(sources));

    public static GeneratorRun Run(GeneratorDriver driver, Compilation compilation)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var result = driver.GetRunResult();
        foreach (var r in result.Results)
        {
            if (r.Exception is not null) throw new InvalidOperationException("The generator threw.", r.Exception);
        }
        return new GeneratorRun(driver, result, output, diagnostics);
    }

    /// <summary>Compiles the run's output and loads it into a collectible context of its own; returns the type named.</summary>
    public static Type Load(GeneratorRun run, string typeName)
    {
        using var stream = new MemoryStream();
        var emit = run.Output.Emit(stream);
        Xunit.Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        stream.Position = 0;
        var context = new System.Runtime.Loader.AssemblyLoadContext(typeName + "InMemory", isCollectible: true);
        return context.LoadFromStream(stream).GetType(typeName)!;
    }

    /// <summary>The line span of the <paramref name="occurrence"/>-th appearance of <paramref name="snippet"/> in <paramref name="source"/>.</summary>
    public static LinePositionSpan SpanOf(string source, string snippet, int occurrence = 1)
    {
        var index = -1;
        for (var i = 0; i < occurrence; i++)
        {
            index = source.IndexOf(snippet, index + 1, StringComparison.Ordinal);
            if (index < 0) throw new ArgumentException($"'{snippet}' occurs fewer than {occurrence} times.");
        }
        var text = SourceText.From(source);
        return text.Lines.GetLinePositionSpan(new TextSpan(index, snippet.Length));
    }

    /// <summary>The one UNR diagnostic <paramref name="source"/> gets, checked to be <paramref name="id"/> and to point at <paramref name="snippet"/>.</summary>
    public static Diagnostic SingleDiagnostic(string source, string id, string snippet)
    {
        var diagnostic = Xunit.Assert.Single(Run(source).Unroll);
        Xunit.Assert.Equal(id, diagnostic.Id);
        Xunit.Assert.Equal(SpanOf(source, snippet), diagnostic.Location.GetLineSpan().Span);
        return diagnostic;
    }

    /// <summary>A file under tests/Unroll.Tests/Generator, found from this source file's path.</summary>
    public static string TestFile(string relative, [CallerFilePath] string here = "")
        => Path.Combine(Path.GetDirectoryName(here)!, relative);

    /// <summary>The sources of the two real networks, read from src/Models.</summary>
    public static string ModelSource(string name, [CallerFilePath] string here = "")
        => File.ReadAllText(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "src", "Models", name + ".cs"));
}
