using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Unroll.Generators.Model;

namespace Unroll.Generators;

/// <summary>
/// Generates each [Network] class's forward and backward passes. Pipeline: parse (<see cref="Parser"/>) → check shapes
/// (<see cref="ShapeChecker"/>) → emit (<see cref="Emitter"/>), with diagnostics reported through their own output so that
/// an edit which only moves a declaration re-reports diagnostics but regenerates nothing.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.NetworkAttributeName,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax,
                Parser.Parse)
            .WithTrackingName(TrackingNames.Parse);

        var checkedNetworks = parsed
            .Select(static (result, _) => ShapeChecker.Check(result))
            .WithTrackingName(TrackingNames.Check);

        var diagnostics = checkedNetworks
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics.Collect().Combine(context.CompilationProvider), Report);

        // Hint names must differ ignoring case across the whole compilation (Mlp and MLP), so each network's file name
        // depends on the others' names: only their declarations, which a layer edit leaves equal, so nothing re-emits.
        var emittable = checkedNetworks
            .Where(static result => result.Network is not null)
            .Select(static (result, _) => result.Network!);
        var declarations = emittable.Select(static (network, _) => network.Type).Collect();
        var networks = emittable
            .Combine(declarations)
            .Select(static (pair, _) => new NetworkToEmit(pair.Left, Naming.UniqueHintName(pair.Left.Type, pair.Right)))
            .WithTrackingName(TrackingNames.Networks);
        context.RegisterSourceOutput(networks, static (spc, item) =>
        {
            var network = item.Network;
            try
            {
                var source = Emitter.Emit(network);
                spc.AddSource(item.HintName, SourceText.From(source, System.Text.Encoding.UTF8));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One network's failure (even a file name the compiler refuses) must not take the others' code with it.
                spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, network.Type.Name, ex.GetType().Name, ex.Message));
            }
        });

        // Classes that carry layer attributes but forgot [Network]: filtered by attribute names first, then bound.
        var orphans = context.SyntaxProvider
            .CreateSyntaxProvider(Parser.MightHaveLayersWithoutNetwork, Parser.FindLayersWithoutNetwork)
            .Where(static d => d is not null)
            .Select(static (d, _) => d!)
            .WithTrackingName(TrackingNames.OrphanLayers);
        context.RegisterSourceOutput(orphans.Collect().Combine(context.CompilationProvider), Report);
    }

    /// <summary>
    /// Reports diagnostics at locations inside the compilation's syntax trees. A location rebuilt from a path alone is
    /// outside any tree, and the compiler then ignores #pragma warning disable for it; finding the tree by path fixes that.
    /// Only this cheap step reruns on every edit; parsing, checking and emitting stay cached.
    /// </summary>
    private static void Report(SourceProductionContext context, (ImmutableArray<DiagnosticInfo> Diagnostics, Compilation Compilation) input)
    {
        if (input.Diagnostics.IsEmpty) return;
        foreach (var diagnostic in input.Diagnostics)
        {
            Location? location = null;
            if (diagnostic.Location is { } info)
            {
                foreach (var tree in input.Compilation.SyntaxTrees)
                {
                    if (tree.FilePath == info.FilePath && info.Span.End <= tree.Length)
                    {
                        location = Location.Create(tree, info.Span);
                        break;
                    }
                }
            }
            context.ReportDiagnostic(diagnostic.ToDiagnostic(location));
        }
    }

    /// <summary>A checked network and the unique name of its generated file.</summary>
    private sealed record NetworkToEmit(CheckedNetwork Network, string HintName);
}
