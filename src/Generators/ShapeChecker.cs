using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
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
            byName[name] = i;
            byMember[member] = i;
        }

        var layers = new List<CheckedLayer>(spec.Layers.Count);
        var current = input;
        var shapeKnown = input.Rank != 0;
        long totalParameters = 0;
        for (var i = 0; i < spec.Layers.Count; i++)
        {
            var layer = spec.Layers[i];
            var name = names[i];
            var kindName = Naming.AttributeName(layer.Kind, layer.Activation);
            if (!CheckArguments(layer, name, Report)) { shapeKnown = false; continue; }
            if (!shapeKnown) continue; // nothing more to say about layers after one whose output is unknown

            Shape output;
            WindowGeometry? window = null;
            long parameters = 0;
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    if (current.IsImage)
                    {
                        Report(DiagnosticInfo.Create(DiagnosticDescriptors.DenseNeedsVectorInput, layer.Location, name, current.ToString()));
                        shapeKnown = false;
                        continue;
                    }
                    output = Shape.Vector(layer.Units);
                    parameters = (long)layer.Units * current.Features + (layer.UseBias ? layer.Units : 0);
                    break;

                case LayerKind.Conv2D:
                case LayerKind.MaxPool2D:
                case LayerKind.AvgPool2D:
                    if (!current.IsImage)
                    {
                        Report(DiagnosticInfo.Create(DiagnosticDescriptors.SpatialLayerNeedsImageInput, layer.Location, kindName, name, current.ToString()));
                        shapeKnown = false;
                        continue;
                    }
                    window = Window(layer, name, kindName, current, Report);
                    if (window is null) { shapeKnown = false; continue; }
                    var channels = layer.Kind == LayerKind.Conv2D ? layer.Units : current.Channels;
                    output = Shape.Image(channels, window.OutHeight, window.OutWidth);
                    if (layer.Kind == LayerKind.Conv2D)
                        parameters = (long)layer.Units * current.Channels * layer.KernelHeight * layer.KernelWidth + (layer.UseBias ? layer.Units : 0);
                    break;

                case LayerKind.Flatten:
                    output = Shape.Vector(current.Size);
                    break;

                default:
                    output = current;
                    break;
            }

            var outputSize = (long)output.Channels * output.Height * output.Width;
            if (outputSize > int.MaxValue || parameters > int.MaxValue)
            {
                var what = outputSize > int.MaxValue ? "its output " + output : "its parameters";
                Report(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, layer.Location, kindName, name,
                    Math.Max(outputSize, parameters).ToString("N0", CultureInfo.InvariantCulture), what,
                    int.MaxValue.ToString("N0", CultureInfo.InvariantCulture)));
                shapeKnown = false;
                continue;
            }
            totalParameters += parameters;

            // He initialisation suits a weight whose layer feeds straight into a ReLU-like activation.
            var next = i + 1 < spec.Layers.Count ? spec.Layers[i + 1] : null;
            var heInit = next is { Kind: LayerKind.Activation, Activation: Activation.Relu or Activation.LeakyRelu or Activation.Elu };

            layers.Add(new CheckedLayer(
                i, layer.Kind, layer.Activation, name, Naming.PascalCase(name),
                new EquatableArray<int>(new[] { i - 1 }), current, output,
                layer.Units, layer.UseBias, layer.Value, window, (int)parameters, heInit));
            current = output;
        }

        if (errors > 0 || !shapeKnown || layers.Count != spec.Layers.Count) return null;
        if (totalParameters > int.MaxValue)
        {
            Report(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkTooLarge, spec.ClassLocation, "Network", className,
                totalParameters.ToString("N0", CultureInfo.InvariantCulture), "its parameters", int.MaxValue.ToString("N0", CultureInfo.InvariantCulture)));
            return null;
        }
        return new CheckedNetwork(spec.Type, input, new EquatableArray<CheckedLayer>(layers.ToArray()), (int)totalParameters);
    }

    private static DiagnosticInfo Invalid(LayerSpec layer, string name, string arrived, string expected)
        => DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerArgument, layer.Location,
            Naming.AttributeName(layer.Kind, layer.Activation), name, arrived, expected);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Validates the values a layer was given, independent of its input. Returns false after reporting.</summary>
    private static bool CheckArguments(LayerSpec layer, string name, Action<DiagnosticInfo> report)
    {
        var ok = true;
        void Fail(string arrived, string expected) { report(Invalid(layer, name, arrived, expected)); ok = false; }

        switch (layer.Kind)
        {
            case LayerKind.Dense:
                if (layer.Units <= 0) Fail($"units {layer.Units}", "a Dense layer needs at least 1 unit");
                break;

            case LayerKind.Conv2D:
            case LayerKind.MaxPool2D:
            case LayerKind.AvgPool2D:
                var conv = layer.Kind == LayerKind.Conv2D;
                if (conv && layer.Units <= 0) Fail($"filters {layer.Units}", "a Conv2D layer needs at least 1 filter");
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
                if (!conv && layer.Pad > 0 && layer.KernelHeight > 0 && layer.Pad * 2 > layer.KernelHeight)
                    Fail($"Pad = {layer.Pad} with a window of {layer.KernelHeight}", "a pooling window's Pad must be at most half its size, or some windows would hold only padding");
                break;

            case LayerKind.Dropout:
                if (!(layer.Value >= 0 && layer.Value < 1)) Fail($"rate {Number(layer.Value)}", "the dropout rate must be in [0, 1)");
                break;

            case LayerKind.Activation:
                if (double.IsNaN(layer.Value) || double.IsInfinity(layer.Value) || Math.Abs(layer.Value) > float.MaxValue)
                    Fail($"alpha {Number(layer.Value)}", "alpha must be a finite number");
                break;
        }
        return ok;
    }

    /// <summary>Output size and padding of a convolution or pooling window, or null after reporting a window that does not fit.</summary>
    private static WindowGeometry? Window(LayerSpec layer, string name, string kindName, Shape input, Action<DiagnosticInfo> report)
    {
        var kh = layer.KernelHeight;
        var kw = layer.KernelWidth;
        var stride = layer.Stride == 0 ? kh : layer.Stride;
        var isConv = layer.Kind == LayerKind.Conv2D;
        if (layer.Padding == Padding.Same)
        {
            // TensorFlow's rule: out = ceil(n / s); the total padding is split with the extra row/column on the bottom/right.
            var outH = (input.Height + stride - 1) / stride;
            var outW = (input.Width + stride - 1) / stride;
            var padH = Math.Max((outH - 1) * stride + kh - input.Height, 0);
            var padW = Math.Max((outW - 1) * stride + kw - input.Width, 0);
            var text = padH == padW && padH % 2 == 0 ? $"same (pad {padH / 2})" : $"same (pad top {padH / 2}, left {padW / 2}, total {padH}×{padW})";
            return new WindowGeometry(kh, kw, stride, padH / 2, padW / 2, outH, outW, text);
        }

        var pad = layer.Pad;
        if (input.Height + 2 * pad < kh || input.Width + 2 * pad < kw)
        {
            report(DiagnosticInfo.Create(DiagnosticDescriptors.WindowLargerThanInput, layer.Location, kindName, name,
                $"{kh}×{kw}", isConv ? "kernel" : "window", input.ToString(), pad.ToString(CultureInfo.InvariantCulture)));
            return null;
        }
        var outHeight = (input.Height - kh + 2 * pad) / stride + 1;
        var outWidth = (input.Width - kw + 2 * pad) / stride + 1;
        var unusedRows = (input.Height - kh + 2 * pad) % stride;
        var unusedColumns = (input.Width - kw + 2 * pad) % stride;
        if (unusedRows != 0 || unusedColumns != 0)
        {
            report(DiagnosticInfo.Create(DiagnosticDescriptors.StrideLeavesInputUnused, layer.Location, kindName, name,
                $"{kh}×{kw}", stride.ToString(CultureInfo.InvariantCulture),
                input.Height.ToString(CultureInfo.InvariantCulture), input.Width.ToString(CultureInfo.InvariantCulture),
                pad.ToString(CultureInfo.InvariantCulture),
                unusedRows.ToString(CultureInfo.InvariantCulture), unusedColumns.ToString(CultureInfo.InvariantCulture)));
        }
        return new WindowGeometry(kh, kw, stride, pad, pad, outHeight, outWidth, pad == 0 ? "valid" : $"pad {pad}");
    }

    private static bool Any(EquatableArray<int> values, Func<int, bool> predicate)
    {
        foreach (var v in values) if (predicate(v)) return true;
        return false;
    }
}
