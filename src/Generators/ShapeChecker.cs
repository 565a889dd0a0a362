using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
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
        var dims = spec.InputShape;
        Shape input = default;
        var shapeText = "(" + string.Join(", ", dims) + ")";
        if (dims.Count is not (1 or 3))
        {
            Report(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShape, spec.NetworkAttributeLocation, className, shapeText,
                dims.Count == 0 ? "no dimensions were given" : $"it has {dims.Count} dimensions"));
        }
        else if (Any(dims, d => d <= 0))
        {
            Report(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShape, spec.NetworkAttributeLocation, className, shapeText,
                "every dimension must be at least 1"));
        }
        else if ((long)dims[0] * (dims.Count == 3 ? (long)dims[1] * dims[2] : 1) > int.MaxValue)
        {
            Report(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShape, spec.NetworkAttributeLocation, className, shapeText,
                "it holds more values than a buffer can"));
        }
        else
        {
            input = dims.Count == 1 ? Shape.Vector(dims[0]) : Shape.Image(dims[0], dims[1], dims[2]);
        }

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
            var prefix = Naming.DefaultPrefix(layer.Kind, layer.Activation);
            counters[prefix] = counters.TryGetValue(prefix, out var n) ? n + 1 : 1;
            var name = layer.Name ?? prefix + "_" + counters[prefix].ToString(CultureInfo.InvariantCulture);
            names[i] = name;
            if (layer.Name is not null && !Naming.IsValidName(layer.Name))
            {
                Report(Invalid(layer, name, $"Name \"{layer.Name}\"", "a name must be non-empty and use only letters, digits, '_' and '-'"));
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
            foreach (var identifier in Naming.LayerIdentifiers(layer.Kind, member))
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
            foreach (var identifier in Naming.LayerIdentifiers(layer.Kind, member)) byIdentifier[identifier] = i;
        }

        // A member cannot have its class's name (CS0542): a class named Summary, Layers or like a layer's parameter.
        var classIdentifier = className.TrimStart('@');
        if (Array.IndexOf(Naming.NetworkMembers, classIdentifier) >= 0)
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
            var layer = spec.Layers[i];
            var name = names[i];
            var kindName = Naming.AttributeName(layer.Kind, layer.Activation);
            if (!CheckArguments(layer, name, Report)) continue;

            // Nothing more to say about a layer whose input is unknown: the error that made it unknown is reported.
            var inputIndices = InputsOf(layer, i);
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

            if (Infer(layer, name, inputShapes, Report) is not { } inferred) continue;
            var output = inferred.Output;
            var parameters = inferred.Parameters;
            var outputSize = (long)output.Channels * output.Height * output.Width;
            if (outputSize > int.MaxValue || parameters > int.MaxValue)
            {
                var what = outputSize > int.MaxValue ? "its output " + output : "its parameters";
                Report(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, layer.Location, kindName, name,
                    Math.Max(outputSize, parameters).ToString("N0", CultureInfo.InvariantCulture), what,
                    int.MaxValue.ToString("N0", CultureInfo.InvariantCulture)));
                continue;
            }
            totalParameters += parameters;
            trainableParameters += inferred.Trainable;
            shapes[i] = output;

            layers.Add(new CheckedLayer(
                i, layer.Kind, layer.Activation, name, Naming.PascalCase(name),
                new EquatableArray<int>(inputIndices), inputShapes[0], output,
                layer.Units, layer.UseBias, layer.Value, inferred.Window, (int)parameters, false)
            {
                TrainableParameterCount = (int)inferred.Trainable,
                Groups = layer.Kind == LayerKind.DepthwiseConv2D ? inputShapes[0].Channels : layer.Groups,
                DepthMultiplier = layer.DepthMultiplier,
                PadTop = layer.Pad,
                PadLeft = layer.PadLeft,
                Epsilon = layer.Epsilon,
                Scale = layer.Scale,
                Center = layer.Center,
            });
        }

        // Loss weights become float literals: 1e300 would be infinite there.
        foreach (var output in spec.Outputs)
        {
            var weight = (float)output.LossWeight;
            if (output.Node >= 0 && output.Node < spec.Layers.Count && !(weight >= 0 && !float.IsInfinity(weight)))
                Report(Invalid(spec.Layers[output.Node], names[output.Node], $"loss weight {AsFloat(output.LossWeight)}",
                    "a loss weight must be a finite number of 0 or more within float's range"));
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
                if (consumer is { Kind: LayerKind.Activation, Activation: Activation.Relu or Activation.LeakyRelu or Activation.Elu }) return true;
                if (consumer.Kind == LayerKind.BatchNorm && depth == 0 && FeedsRelu(c, 1)) return true;
            }
            return false;
        }
        for (var i = 0; i < layers.Count; i++)
            if (layers[i].IsConvolution || layers[i].Kind == LayerKind.Dense)
                layers[i] = layers[i] with { HeInit = FeedsRelu(i, 0) };

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
    public static int[] InputsOf(LayerSpec layer, int index)
        => layer.Inputs.Count == 0 ? new[] { index - 1 } : layer.Inputs.ToArray();

    /// <summary>A layer's output shape, window and parameter counts (all, and trainable).</summary>
    internal readonly record struct Inferred(Shape Output, WindowGeometry? Window, long Parameters, long Trainable);

    /// <summary>
    /// The one shape rule per layer kind, used by this checker and by the definition-method evaluator (which answers shape
    /// queries such as <c>x.Channels</c> with it). Assumes <see cref="CheckArguments"/> passed; returns null after reporting.
    /// </summary>
    public static Inferred? Infer(LayerSpec layer, string name, IReadOnlyList<Shape> inputs, Action<DiagnosticInfo> report)
    {
        var kindName = Naming.AttributeName(layer.Kind, layer.Activation);
        var current = inputs[0];
        WindowGeometry? window;
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                if (current.IsImage)
                {
                    report(DiagnosticInfo.Create(DiagnosticDescriptors.DenseNeedsVectorInput, layer.Location, name, current.ToString()));
                    return null;
                }
                var dense = (long)layer.Units * current.Features + (layer.UseBias ? layer.Units : 0);
                return new Inferred(Shape.Vector(layer.Units), null, dense, dense);

            case LayerKind.Conv2D:
            case LayerKind.DepthwiseConv2D:
            case LayerKind.SeparableConv2D:
            case LayerKind.MaxPool2D:
            case LayerKind.AvgPool2D:
            case LayerKind.GlobalAvgPool2D:
            case LayerKind.ZeroPadding2D:
                if (!current.IsImage)
                {
                    report(DiagnosticInfo.Create(DiagnosticDescriptors.SpatialLayerNeedsImageInput, layer.Location, kindName, name, current.ToString()));
                    return null;
                }
                break;

            case LayerKind.BatchNorm:
                var channels = current.Channels;
                var trainable = (long)channels * ((layer.Scale ? 1 : 0) + (layer.Center ? 1 : 0));
                return new Inferred(current, null, trainable + 2L * channels, trainable);

            case LayerKind.Flatten:
                return new Inferred(Shape.Vector(current.Size), null, 0, 0);

            case LayerKind.Add:
                foreach (var other in inputs)
                {
                    if (other == current) continue;
                    report(DiagnosticInfo.Create(DiagnosticDescriptors.AddShapeMismatch, layer.Location, name,
                        string.Join(" and ", inputs.Select(s => s.ToString())), layer.Context));
                    return null;
                }
                return new Inferred(current, null, 0, 0);

            case LayerKind.Concat:
                var total = 0L;
                foreach (var other in inputs)
                {
                    if (!other.IsImage || other.Height != current.Height || other.Width != current.Width || !current.IsImage)
                    {
                        var why = inputs.Any(s => !s.IsImage) ? "a 1-D input has no channels to join along; flatten after joining instead" : "their heights and widths differ; pad or pool them to the same size";
                        report(DiagnosticInfo.Create(DiagnosticDescriptors.ConcatShapeMismatch, layer.Location, name,
                            string.Join(", ", inputs.Select(s => s.ToString())), why, layer.Context));
                        return null;
                    }
                    total += other.Channels;
                }
                return Image(layer, name, total, current.Height, current.Width, report) is { } joined ? new Inferred(joined, null, 0, 0) : null;

            default:
                return new Inferred(current, null, 0, 0);
        }

        switch (layer.Kind)
        {
            case LayerKind.GlobalAvgPool2D:
                return new Inferred(Shape.Vector(current.Channels), null, 0, 0);
            case LayerKind.ZeroPadding2D:
                return Image(layer, name, current.Channels, (long)current.Height + layer.Pad + layer.PadBottom,
                    (long)current.Width + layer.PadLeft + layer.PadRight, report) is { } padded ? new Inferred(padded, null, 0, 0) : null;
        }

        if (layer.Kind == LayerKind.Conv2D && layer.Groups > 1 && (current.Channels % layer.Groups != 0 || layer.Units % layer.Groups != 0))
        {
            report(DiagnosticInfo.Create(DiagnosticDescriptors.GroupsMustDivideChannels, layer.Location, name,
                layer.Groups.ToString(CultureInfo.InvariantCulture), current.Channels.ToString(CultureInfo.InvariantCulture),
                layer.Units.ToString(CultureInfo.InvariantCulture), layer.Context));
            return null;
        }
        window = Window(layer, name, kindName, current, report);
        if (window is null) return null;
        long c = current.Channels, k = (long)layer.KernelHeight * layer.KernelWidth, m = layer.DepthMultiplier;
        // c and m are below 2^31 and k below 2^62: products and sums go through Product and Sum, which give −1 past a long.
        long p;
        long outChannels;
        switch (layer.Kind)
        {
            case LayerKind.Conv2D:
                outChannels = layer.Units;
                p = Sum(Product(layer.Units, c / layer.Groups, k), layer.UseBias ? layer.Units : 0);
                break;
            case LayerKind.DepthwiseConv2D:
                outChannels = c * m;
                p = Sum(Product(c, m, k), layer.UseBias ? c * m : 0);
                break;
            case LayerKind.SeparableConv2D:
                outChannels = layer.Units;
                // The depthwise step's output is a buffer of its own: (c·m, out height, out width).
                if (Image(layer, name, c * m, window.OutHeight, window.OutWidth, report, "its depthwise output") is null) return null;
                p = Sum(Sum(Product(c, m, k), Product(layer.Units, c, m)), layer.UseBias ? layer.Units : 0);
                break;
            default:
                outChannels = current.Channels;
                p = 0;
                break;
        }
        if (p < 0 || p > int.MaxValue)
        {
            report(TooLarge(layer, name, p < 0 ? "more than 9,223,372,036,854,775,807" : Grouped(p), "its parameters"));
            return null;
        }
        return Image(layer, name, outChannels, window.OutHeight, window.OutWidth, report) is { } output ? new Inferred(output, window, p, p) : null;
    }

    private static string Plain(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>UNR0014: a buffer (or extent) of a layer that would hold more values than an array can.</summary>
    private static DiagnosticInfo TooLarge(LayerSpec layer, string name, string values, string what)
        => DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, layer.Location, Naming.AttributeName(layer.Kind, layer.Activation),
            name, values, what, Grouped(int.MaxValue));

    /// <summary>a·b·c for non-negative a, b below 2^31 and c ≥ 0, or −1 when it exceeds a long.</summary>
    private static long Product(long a, long b, long c)
    {
        var ab = a * b;
        return ab != 0 && c > long.MaxValue / ab ? -1 : ab * c;
    }

    /// <summary>a + b for non-negative values, −1 (too large) when either is −1 or the sum exceeds a long.</summary>
    private static long Sum(long a, long b) => a < 0 || b < 0 || a > long.MaxValue - b ? -1 : a + b;

    /// <summary>
    /// An image shape whose dimensions arrive as longs (sums and products of int arguments), or null after reporting
    /// UNR0014 when the buffer would hold more than int.MaxValue values.
    /// </summary>
    private static Shape? Image(LayerSpec layer, string name, long channels, long height, long width, Action<DiagnosticInfo> report, string what = "its output")
    {
        var size = new BigInteger(channels) * height * width;
        if (size <= int.MaxValue) return Shape.Image((int)channels, (int)height, (int)width);
        report(TooLarge(layer, name, size.ToString("N0", CultureInfo.InvariantCulture),
            $"{what} ({Plain(channels)}, {Plain(height)}, {Plain(width)})"));
        return null;
    }

    private static DiagnosticInfo Invalid(LayerSpec layer, string name, string arrived, string expected)
        => DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerArgument, layer.Location,
            Naming.AttributeName(layer.Kind, layer.Activation), name, arrived, expected);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Whether a value is still finite once converted to the float the generated code holds.</summary>
    internal static bool IsFiniteFloat(double value)
    {
        var f = (float)value;
        return !float.IsNaN(f) && !float.IsInfinity(f);
    }

    /// <summary>A value as written, and what it becomes as a float where that differs: "0.99999999999 (1 as a float)".</summary>
    internal static string AsFloat(double value)
    {
        var written = Number(value);
        var asFloat = ((float)value).ToString("R", CultureInfo.InvariantCulture);
        return asFloat == written ? written : $"{written} ({asFloat} as a float)";
    }

    /// <summary>Validates the values a layer was given, independent of its input. Returns false after reporting.</summary>
    internal static bool CheckArguments(LayerSpec layer, string name, Action<DiagnosticInfo> report)
    {
        var ok = true;
        void Fail(string arrived, string expected) { report(Invalid(layer, name, arrived, expected)); ok = false; }

        switch (layer.Kind)
        {
            case LayerKind.Dense:
                if (layer.Units <= 0) Fail($"units {layer.Units}", "a Dense layer needs at least 1 unit");
                break;

            case LayerKind.Conv2D:
            case LayerKind.DepthwiseConv2D:
            case LayerKind.SeparableConv2D:
            case LayerKind.MaxPool2D:
            case LayerKind.AvgPool2D:
                var conv = layer.Kind is LayerKind.Conv2D or LayerKind.DepthwiseConv2D or LayerKind.SeparableConv2D;
                var kindName = Naming.AttributeName(layer.Kind, layer.Activation);
                if (layer.Kind is LayerKind.Conv2D or LayerKind.SeparableConv2D && layer.Units <= 0) Fail($"filters {layer.Units}", $"a {kindName} layer needs at least 1 filter");
                if (layer.Kind == LayerKind.Conv2D && layer.Groups < 1) Fail($"Groups = {layer.Groups}", "groups must be at least 1");
                if (layer.Kind is LayerKind.DepthwiseConv2D or LayerKind.SeparableConv2D && layer.DepthMultiplier < 1)
                    Fail($"DepthMultiplier = {layer.DepthMultiplier}", "the depth multiplier must be at least 1");
                if (layer.KernelHeight <= 0 || layer.KernelWidth <= 0)
                    Fail(conv ? $"a {layer.KernelHeight}×{layer.KernelWidth} kernel" : $"size {layer.KernelHeight}",
                        conv ? "kernel sizes must be at least 1" : "the window size must be at least 1");
                if (conv ? layer.Stride <= 0 : layer.Stride < 0)
                    Fail($"Stride = {layer.Stride}", conv ? "the stride must be at least 1" : "the stride must be at least 1 (or 0 for the window size)");
                if (layer.Padding is not (Padding.Valid or Padding.Same))
                    Fail($"Padding = {(int)layer.Padding}", "padding must be Padding.Valid or Padding.Same");
                if (layer.Pad < 0) Fail($"Pad = {layer.Pad}", "Pad must be 0 or more");
                if (layer.Pad != 0 && layer.Padding == Padding.Same)
                    Fail($"both Pad = {layer.Pad} and Padding = Padding.Same", "use one of them: Padding.Same computes the padding, Pad gives it explicitly");
                if (!conv && layer.Pad > 0 && layer.KernelHeight > 0 && 2L * layer.Pad > layer.KernelHeight)
                    Fail($"Pad = {layer.Pad} with a window of {layer.KernelHeight}", "a pooling window's Pad must be at most half its size, or some windows would hold only padding");
                break;

            // Float arguments are checked as the float the generated code uses: 0.99999999999 is 1 and double.Epsilon is 0 there.
            case LayerKind.BatchNorm:
                if (!((float)layer.Value >= 0 && (float)layer.Value < 1)) Fail($"momentum {AsFloat(layer.Value)}", "the momentum must be in [0, 1): the fraction of the running statistics kept at each step, such as 0.99");
                if (!((float)layer.Epsilon > 0 && (float)layer.Epsilon < 1)) Fail($"epsilon {AsFloat(layer.Epsilon)}", "epsilon must be a small positive number, such as 1e-3");
                break;

            case LayerKind.ZeroPadding2D:
                if (layer.Pad < 0 || layer.PadBottom < 0 || layer.PadLeft < 0 || layer.PadRight < 0)
                    Fail($"padding ({layer.Pad}, {layer.PadBottom}, {layer.PadLeft}, {layer.PadRight})", "every padding amount must be 0 or more");
                break;

            case LayerKind.Add:
                if (layer.Inputs.Count < 2) Fail($"{layer.Inputs.Count} input(s)", "Add needs two inputs");
                break;

            case LayerKind.Scale:
                if (!IsFiniteFloat(layer.Value)) Fail($"factor {AsFloat(layer.Value)}", "the factor must be a finite number");
                break;

            case LayerKind.Dropout:
                if (!((float)layer.Value >= 0 && (float)layer.Value < 1)) Fail($"rate {AsFloat(layer.Value)}", "the dropout rate must be in [0, 1)");
                break;

            case LayerKind.Activation:
                if (!IsFiniteFloat(layer.Value)) Fail($"alpha {AsFloat(layer.Value)}", "alpha must be a finite number");
                break;
        }
        return ok;
    }

    /// <summary>Output size and padding of a convolution or pooling window, or null after reporting a window that does not fit.</summary>
    private static WindowGeometry? Window(LayerSpec layer, string name, string kindName, Shape input, Action<DiagnosticInfo> report)
    {
        // In longs: with arguments up to int.MaxValue, n + 2·pad and n + s − 1 overflow an int.
        long kh = layer.KernelHeight;
        long kw = layer.KernelWidth;
        long stride = layer.Stride == 0 ? kh : layer.Stride;
        long height = input.Height, width = input.Width;
        var isConv = layer.Kind is LayerKind.Conv2D or LayerKind.DepthwiseConv2D or LayerKind.SeparableConv2D;

        // The kernels index the padded input with ints, so its extent must fit in one, as a buffer's length does.
        bool Fits(long padded, long size, long padding, string side)
        {
            if (padded <= int.MaxValue) return true;
            report(TooLarge(layer, name, Grouped(padded), $"the {side} of its padded input ({Grouped(size)} + {Grouped(padding)} of padding)"));
            return false;
        }

        if (layer.Padding == Padding.Same)
        {
            // TensorFlow's rule: out = ceil(n / s); the total padding is split with the extra row/column on the bottom/right.
            var outH = (height + stride - 1) / stride;
            var outW = (width + stride - 1) / stride;
            var padH = Math.Max((outH - 1) * stride + kh - height, 0);
            var padW = Math.Max((outW - 1) * stride + kw - width, 0);
            if (!Fits(height + padH, height, padH, "rows") || !Fits(width + padW, width, padW, "columns")) return null;
            var text = padH == padW && padH % 2 == 0 ? $"same (pad {Plain(padH / 2)})" : $"same (pad top {Plain(padH / 2)}, left {Plain(padW / 2)}, total {Plain(padH)}×{Plain(padW)})";
            return new WindowGeometry((int)kh, (int)kw, (int)stride, (int)(padH / 2), (int)(padW / 2), (int)outH, (int)outW, text);
        }

        long pad = layer.Pad;
        if (!Fits(height + 2 * pad, height, 2 * pad, "rows") || !Fits(width + 2 * pad, width, 2 * pad, "columns")) return null;
        if (height + 2 * pad < kh || width + 2 * pad < kw)
        {
            report(DiagnosticInfo.Create(DiagnosticDescriptors.WindowLargerThanInput, layer.Location, kindName, name,
                $"{kh}×{kw}", isConv ? "kernel" : "window", input.ToString(), Plain(pad)));
            return null;
        }
        var outHeight = (height - kh + 2 * pad) / stride + 1;
        var outWidth = (width - kw + 2 * pad) / stride + 1;
        // Only input rows count: unread padding (the bottom/right border) is no loss.
        var unusedRows = Math.Max((height - kh + 2 * pad) % stride - pad, 0);
        var unusedColumns = Math.Max((width - kw + 2 * pad) % stride - pad, 0);
        // A window smaller than its stride skips rows between windows by design (a strided 1×1 projection), so the last
        // ones are no news. Pooling is never reported: every framework floors a 2×2 pool over an odd map without comment.
        if (isConv && ((unusedRows != 0 && kh >= stride) || (unusedColumns != 0 && kw >= stride)))
        {
            report(DiagnosticInfo.Create(DiagnosticDescriptors.StrideLeavesInputUnused, layer.Location, kindName, name,
                $"{kh}×{kw}", Plain(stride), Plain(height), Plain(width), Plain(pad), Plain(unusedRows), Plain(unusedColumns)));
        }
        return new WindowGeometry((int)kh, (int)kw, (int)stride, (int)pad, (int)pad, (int)outHeight, (int)outWidth, pad == 0 ? "valid" : $"pad {Plain(pad)}");
    }

    private static bool Any(EquatableArray<int> values, Func<int, bool> predicate)
    {
        foreach (var v in values) if (predicate(v)) return true;
        return false;
    }
}
