using System;
using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>2-D convolution, optionally grouped; weight [filters, channels / groups, kh, kw] (PyTorch's layout).</summary>
internal sealed record Conv2D(int Filters, int KernelHeight, int KernelWidth, int Stride, Padding Padding, int Pad, int Groups, bool UseBias)
    : Windowed(KernelHeight, KernelWidth, Stride, Padding, Pad)
{
    private static readonly Conv2DAttribute Defaults = new(1, 1);

    public static Layer Bind(LayerArguments a)
    {
        var (kh, kw) = a.IntOrPair("kernel", 0);
        if (a.Has(nameof(Conv2DAttribute.KernelHeight)))
            (kh, kw) = (a.Int(nameof(Conv2DAttribute.KernelHeight), 0), a.Int(nameof(Conv2DAttribute.KernelWidth), 0));
        return new Conv2D(a.Int(nameof(Conv2DAttribute.Filters), 0), kh, kw,
            a.Int(nameof(Conv2DAttribute.Stride), Defaults.Stride), a.Padding(nameof(Conv2DAttribute.Padding), Defaults.Padding),
            a.Int(nameof(Conv2DAttribute.Pad), Defaults.Pad), a.Int(nameof(Conv2DAttribute.Groups), Defaults.Groups),
            a.Bool(nameof(Conv2DAttribute.UseBias), Defaults.UseBias));
    }

    public override string Kind => "Conv2D";
    public override string NamePrefix => "conv2d";
    protected override bool IsConvolution => true;
    public override bool UsesWorkspace => true;
    public override MemberSuffixes Members => s_members;
    private static readonly MemberSuffixes s_members = new(new[] { "Weight", "Bias" }, Array.Empty<string>(), new[] { "" });

    public override void CheckArguments(LayerContext context)
    {
        if (Filters <= 0) context.Invalid($"filters {Filters}", "a Conv2D layer needs at least 1 filter");
        if (Groups < 1) context.Invalid($"Groups = {Groups}", "groups must be at least 1");
        base.CheckArguments(context);
    }

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs)
    {
        var input = inputs[0];
        if (Groups > 1 && (input.Channels % Groups != 0 || Filters % Groups != 0))
        {
            context.Report(DiagnosticDescriptors.GroupsMustDivideChannels, context.Name, StepWriter.Int(Groups),
                StepWriter.Int(input.Channels), StepWriter.Int(Filters), context.CallContext);
            return null;
        }
        if (Window(context, input) is not { } window) return null;
        return context.Image(Filters, window.OutHeight, window.OutWidth) is { } output ? new Inferred(output, window) : null;
    }

    public override IEnumerable<ParameterInfo> Parameters(CheckedLayer layer)
    {
        var g = layer.Window!;
        yield return new ParameterInfo("Weight", "weight", new[] { Filters, layer.InputShape.Channels / Groups, g.KernelHeight, g.KernelWidth }, layer.Init);
        if (UseBias) yield return new ParameterInfo("Bias", "bias", new[] { Filters }, "Zeros");
    }

    public override IEnumerable<GeometryInfo> Geometries(CheckedLayer layer)
    {
        yield return new GeometryInfo("", GeometryInfo.Conv2D, ConvGeometry(layer.InputShape, Filters, layer.Window!, Groups));
    }

    public override long MultiplyAdds(CheckedLayer layer) => ConvMultiplyAdds(layer.OutputShape, layer.InputShape.Channels / Groups, layer.Window!);

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
    {
        var g = layer.Window!;
        string Int(int v) => StepWriter.Int(v);
        var groups = Groups == 1 ? "" : $", groups {Int(Groups)}";
        return $"Conv2D {Int(layer.InputShape.Channels)}→{Int(Filters)}, {Int(g.KernelHeight)}×{Int(g.KernelWidth)}, stride {Int(g.Stride)}, {g.PaddingText}{groups}{(UseBias ? "" : ", no bias")} → {layer.OutputShape}";
    }

    public override void EmitForward(ForwardWriter w)
        => w.Call("Conv2DForward", $"{w.Input()}, {w.Value("Weight")}, {w.Value("Bias", UseBias)}, {w.Output}, _workspace, batch, in {w.Geometry()}");

    public override void EmitBackward(BackwardWriter w)
        => w.Call("Conv2DBackward", $"{w.Input()}, {w.Value("Weight")}, {w.OutputGradient}, {w.InputGradient() ?? "null"}, {w.Gradient("Weight")}, {w.Gradient("Bias", UseBias)}, _workspace, batch, in {w.Geometry()}");

    public override void EmitOnnx(OnnxWriter w)
        => w.Node("Conv", $"{w.Input()}, {w.Weight("Weight")}{(UseBias ? ", " + w.Weight("Bias") : "")}", w.Output,
            OnnxWriter.WindowAttributes(w.Layer.InputShape, w.Layer.Window!, OnnxWriter.IntAttribute("group", Groups)));
}
