using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using Unroll.Generators.Layers;
using Unroll.Generators.Model;

namespace Unroll.Generators;

/// <summary>
/// A pure function from a parsed network to a checked one: names every layer, validates its arguments, infers each
/// output shape, parameter count and window geometry, and reports every problem on the attribute that causes it.
/// Errors stop the network from being emitted; warnings do not.
/// </summary>
internal static class ShapeChecker
{
    public static CheckResult Check(ParseResult? parsed)
    {
        if (parsed?.Spec is not { } spec)
            return new CheckResult(null, parsed?.Diagnostics ?? EquatableArray<DiagnosticInfo>.Empty);
        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        try
        {
            var network = CheckCore(spec, diagnostics);
            // Report in source order, whichever check found them (a stable sort keeps each attribute's own order).
            var ordered = diagnostics.OrderBy(d => d.Location?.Span.Start ?? -1).ToArray();
            return new CheckResult(network, new EquatableArray<DiagnosticInfo>(ordered));
        }
        catch (Exception ex)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, spec.ClassLocation, spec.Type.Name, ex.GetType().Name, ex.Message));
            return new CheckResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
        }
    }

    private static CheckedNetwork? CheckCore(NetworkSpec spec, List<DiagnosticInfo> diagnostics)
    {
        var errors = 0;
        void Report(DiagnosticInfo info)
        {
            diagnostics.Add(info);
            if (info.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error) errors++;
        }

        var className = spec.Type.Name;
        var input = InputShape(spec, Report);

        if (spec.Layers.Count == 0 && spec.FromDefinition) return null; // the evaluator reported why
        if (spec.Layers.Count == 0)
        {
            Report(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, spec.NetworkAttributeLocation ?? spec.ClassLocation, className));
            return null;
        }

        // Names first: defaults count each kind's layers in order (the second Dense is dense_2 whatever the others are called).
        var names = new string[spec.Layers.Count];
        var counters = new Dictionary<string, int>();
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        var byMember = new Dictionary<string, int>(StringComparer.Ordinal);
        var byIdentifier = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            var prefix = layer.Layer.NamePrefix;
            counters[prefix] = counters.TryGetValue(prefix, out var n) ? n + 1 : 1;
            var name = layer.Name ?? prefix + "_" + counters[prefix].ToString(CultureInfo.InvariantCulture);
            names[i] = name;
            if (layer.Name is not null && !Naming.IsValidName(layer.Name))
            {
                Context(layer, name, Report).Invalid($"Name \"{layer.Name}\"", "a name must be non-empty and use only letters, digits, '_' and '-'");
                continue;
            }
            if (byName.TryGetValue(name, out var first))
            {
                Report(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateLayerName, layer.Location, name,
                    (first + 1).ToString(CultureInfo.InvariantCulture), names[first], ""));
                continue;
            }
            var member = Naming.PascalCase(name);
            if (byMember.TryGetValue(member, out first))
            {
                Report(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateLayerName, layer.Location, name,
                    (first + 1).ToString(CultureInfo.InvariantCulture), names[first], $" as the C# name '{member}'"));
                continue;
            }
            // Derived members too: a SeparableConv2D 's' declares SDepthwiseWeight, as would a Dense named 's_depthwise'.
            string? clash = null;
            foreach (var identifier in layer.Layer.Members.Identifiers(member))
            {
                if (byIdentifier.TryGetValue(identifier, out first)) { clash = identifier; break; }
            }
            if (clash is not null)
            {
                Report(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateLayerName, layer.Location, name,
                    (first + 1).ToString(CultureInfo.InvariantCulture), names[first], $" as the C# name '{clash}'"));
                continue;
            }
            byName[name] = i;
            byMember[member] = i;
            foreach (var identifier in layer.Layer.Members.Identifiers(member)) byIdentifier[identifier] = i;
        }

        // A member cannot have its class's name (CS0542): a class named Summary, Layers or like a layer's parameter.
        var classIdentifier = className.TrimStart('@');
        if (Array.IndexOf(Naming.NetworkMembers, classIdentifier) >= 0 || Naming.IsPassPart(classIdentifier))
        {
            Report(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNameIsGeneratedMember, spec.ClassLocation, className,
                $"the member '{classIdentifier}' that every generated network has", "rename the class"));
        }
        else if (byIdentifier.TryGetValue(classIdentifier, out var owner))
        {
            Report(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNameIsGeneratedMember, spec.ClassLocation, className,
                $"the member '{classIdentifier}' generated for layer '{names[owner]}'", "rename the class or the layer"));
        }

        var layers = new List<CheckedLayer>(spec.Layers.Count);
        var shapes = new Shape?[spec.Layers.Count];
        long totalParameters = 0, trainableParameters = 0;
        for (var i = 0; i < spec.Layers.Count; i++)
        {
            var node = spec.Layers[i];
            var context = Context(node, names[i], Report);
            node.Layer.CheckArguments(context);
            if (context.Failed) continue;

            // Nothing more to say about a layer whose input is unknown: the error that made it unknown is reported.
            var inputIndices = InputsOf(node, i);
            var inputShapes = new Shape[inputIndices.Length];
            var known = input.Rank != 0;
            for (var k = 0; k < inputIndices.Length && known; k++)
            {
                var j = inputIndices[k];
                if (j < 0) inputShapes[k] = input;
                else if (shapes[j] is { } s) inputShapes[k] = s;
                else known = false;
            }
            if (!known) continue;
            if (InferShape(node.Layer, context, inputShapes) is not { } inferred) continue;

            var layer = new CheckedLayer(i, node.Layer, names[i], Naming.PascalCase(names[i]), new EquatableArray<int>(inputIndices),
                new EquatableArray<Shape>(inputShapes), inferred.Output, inferred.Window);
            BigInteger parameters = 0, trainable = 0;
            foreach (var parameter in node.Layer.Parameters(layer))
            {
                var count = BigInteger.One;
                foreach (var d in parameter.Shape) count *= d;
                parameters += count;
                if (parameter.Trainable) trainable += count;
            }
            if (parameters > int.MaxValue)
            {
                context.TooLarge(parameters > long.MaxValue ? "more than 9,223,372,036,854,775,807" : LayerContext.Grouped(parameters), "its parameters");
                continue;
            }
            totalParameters += (long)parameters;
            trainableParameters += (long)trainable;
            shapes[i] = inferred.Output;
            layers.Add(layer with { ParameterCount = (int)parameters, TrainableParameterCount = (int)trainable });
        }

        // Loss weights become float literals: 1e300 would be infinite there.
        foreach (var output in spec.Outputs)
        {
            var weight = (float)output.LossWeight;
            if (output.Node >= 0 && output.Node < spec.Layers.Count && !(weight >= 0 && !float.IsInfinity(weight)))
                Context(spec.Layers[output.Node], names[output.Node], Report).Invalid($"loss weight {LayerContext.AsFloat(output.LossWeight)}",
                    "a loss weight must be a finite number of 0 or more within float's range");
        }

        // A definition method whose evaluation stopped has no outputs: its diagnostics (or the ones above) say why.
        if (errors > 0 || layers.Count != spec.Layers.Count || (spec.FromDefinition && spec.Outputs.Count == 0)) return null;
        if (totalParameters > int.MaxValue)
        {
            Report(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, spec.ClassLocation, "Network", className,
                totalParameters.ToString("N0", CultureInfo.InvariantCulture), "its parameters", int.MaxValue.ToString("N0", CultureInfo.InvariantCulture)));
            return null;
        }

        // He initialisation suits a weight whose layer feeds a ReLU-like activation, directly or through a BatchNorm.
        var consumers = new List<int>[layers.Count];
        for (var i = 0; i < layers.Count; i++) consumers[i] = new List<int>();
        foreach (var layer in layers)
            foreach (var j in layer.Inputs)
                if (j >= 0) consumers[j].Add(layer.Index);
        bool FeedsRelu(int node, int depth)
        {
            foreach (var c in consumers[node])
            {
                var consumer = layers[c];
                if (consumer.Layer.IsReluLike) return true;
                if (consumer.Layer.PassesInitHint && depth == 0 && FeedsRelu(c, 1)) return true;
            }
            return false;
        }
        for (var i = 0; i < layers.Count; i++)
            if (layers[i].HasParameters) layers[i] = layers[i] with { HeInit = FeedsRelu(i, 0) };

        var outputs = spec.Outputs.Count == 0
            ? new[] { new CheckedOutput(layers.Count - 1, 1.0) }
            : spec.Outputs.Select(o => new CheckedOutput(o.Node, o.LossWeight)).ToArray();
        var sequential = outputs.Length == 1 && outputs[0].Node == layers.Count - 1;
        for (var i = 0; i < layers.Count && sequential; i++)
            sequential = layers[i].Inputs.Count == 1 && layers[i].Inputs[0] == i - 1;
        return new CheckedNetwork(spec.Type, input, new EquatableArray<CheckedLayer>(layers.ToArray()), (int)totalParameters)
        {
            Outputs = new EquatableArray<CheckedOutput>(outputs),
            FromDefinition = spec.FromDefinition,
            TrainableParameterCount = (int)trainableParameters,
            IsSequential = sequential,
        };
    }

    /// <summary>The nodes a layer reads: its explicit inputs, or the previous layer (attribute form).</summary>
    public static int[] InputsOf(LayerNode layer, int index)
        => layer.Inputs.Count == 0 ? new[] { index - 1 } : layer.Inputs.ToArray();

    public static LayerContext Context(LayerNode node, string name, Action<DiagnosticInfo> report)
        => new(node.Layer.Kind, name, node.Location, node.Context, report);

    /// <summary>
    /// The one shape rule, used by this checker and by the definition-method evaluator (which answers shape queries such
    /// as <c>x.Channels</c> with it): every input must have a rank the unit accepts, then the unit's own rule applies, and
    /// the output must fit in an array. Assumes the arguments passed their check; returns null after reporting.
    /// </summary>
    public static Inferred? InferShape(Layer layer, LayerContext context, IReadOnlyList<Shape> inputs)
    {
        foreach (var shape in inputs)
        {
            if (layer.Input.Accepts(shape)) continue;
            context.Report(layer.Input.Mismatch(context, shape));
            return null;
        }
        if (layer.Infer(context, inputs) is not { } inferred || context.Failed) return null;
        return context.Fits(inferred.Output) is null ? null : inferred;
    }

    /// <summary>The [Network] shape: rank 1 to 4, every dimension at least 1, within an array. Rank 0 (unknown) after reporting.</summary>
    internal static Shape InputShape(NetworkSpec spec, Action<DiagnosticInfo> report)
    {
        var dims = spec.InputShape;
        var shapeText = "(" + string.Join(", ", dims) + ")";
        string? problem = null;
        if (dims.Count is < 1 or > Shape.MaxRank) problem = dims.Count == 0 ? "no dimensions were given" : $"it has {dims.Count} dimensions";
        else if (dims.Any(d => d <= 0)) problem = "every dimension must be at least 1";
        else if (dims.Aggregate(BigInteger.One, (size, d) => size * d) > int.MaxValue) problem = "it holds more values than a buffer can";
        if (problem is null) return Shape.Of(dims.ToArray());
        report(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShape, spec.NetworkAttributeLocation, spec.Type.Name, shapeText, problem));
        return default;
    }
}
