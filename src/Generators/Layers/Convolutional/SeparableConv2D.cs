using System;
using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>
/// A depthwise convolution into a buffer of its own (c·m channels), then a 1×1 pointwise one; weights
/// <c>depthwise_weight</c> [c·m, 1, kh, kw] and <c>pointwise_weight</c> [filters, c·m, 1, 1].
/// </summary>
internal sealed record SeparableConv2D(int Filters, int Kernel, int DepthMultiplier, int Stride, Padding Padding, bool UseBias)
    : Windowed(Kernel, Kernel, Stride, Padding, 0)
{
    private static readonly SeparableConv2DAttribute Defaults = new(1, 1);

    public static Layer Bind(LayerArguments a) => new SeparableConv2D(
        a.Int(nameof(SeparableConv2DAttribute.Filters), 0),
        a.Int(nameof(SeparableConv2DAttribute.Kernel), 0),
        a.Int(nameof(SeparableConv2DAttribute.DepthMultiplier), Defaults.DepthMultiplier),
        a.Int(nameof(SeparableConv2DAttribute.Stride), Defaults.Stride),
        a.Padding(nameof(SeparableConv2DAttribute.Padding), Defaults.Padding),
        a.Bool(nameof(SeparableConv2DAttribute.UseBias), Defaults.UseBias));

    public override string Kind => "SeparableConv2D";
    public override string NamePrefix => "separable_conv2d";
    protected override bool IsConvolution => true;
    public override bool UsesWorkspace => true;
    public override MemberSuffixes Members => s_members;
    private static readonly MemberSuffixes s_members = new(
        new[] { "DepthwiseWeight", "PointwiseWeight", "Bias" }, new[] { "Mid", "MidGrad" }, new[] { "Depthwise", "Pointwise" });

    public override void CheckArguments(LayerContext context)
    {
        if (Filters <= 0) context.Invalid($"filters {Filters}", "a SeparableConv2D layer needs at least 1 filter");
        if (DepthMultiplier < 1) context.Invalid($"DepthMultiplier = {DepthMultiplier}", "the depth multiplier must be at least 1");
        base.CheckArguments(context);
    }

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs)
    {
        if (Window(context, inputs[0]) is not { } window) return null;
        if (context.Image((long)inputs[0].Channels * DepthMultiplier, window.OutHeight, window.OutWidth, "its depthwise output") is null) return null;
        return context.Image(Filters, window.OutHeight, window.OutWidth) is { } output ? new Inferred(output, window) : null;
    }

    private int Middle(CheckedLayer layer) => layer.InputShape.Channels * DepthMultiplier;

    public override IEnumerable<ParameterInfo> Parameters(CheckedLayer layer)
    {
        yield return new ParameterInfo("DepthwiseWeight", "depthwise_weight", new[] { Middle(layer), 1, layer.Window!.KernelHeight, layer.Window.KernelWidth }, "GlorotUniform");
        yield return new ParameterInfo("PointwiseWeight", "pointwise_weight", new[] { Filters, Middle(layer), 1, 1 }, layer.Init);
        if (UseBias) yield return new ParameterInfo("Bias", "bias", new[] { Filters }, "Zeros");
    }

    public override IEnumerable<BufferInfo> Buffers(CheckedLayer layer)
    {
        var size = Middle(layer) * layer.OutputShape.Height * layer.OutputShape.Width;
        yield return new BufferInfo("Mid", size, Description: "depthwise output");
        yield return new BufferInfo("MidGrad", size, TrainingOnly: true, GradientOnly: true);
    }

    public override IEnumerable<GeometryInfo> Geometries(CheckedLayer layer)
    {
        var g = layer.Window!;
        yield return new GeometryInfo("Depthwise", GeometryInfo.Conv2D, ConvGeometry(layer.InputShape, Middle(layer), g, layer.InputShape.Channels));
        var pointwise = new WindowGeometry(1, 1, 1, 0, 0, g.OutHeight, g.OutWidth, "valid");
        yield return new GeometryInfo("Pointwise", GeometryInfo.Conv2D, ConvGeometry(Shape.Image(Middle(layer), g.OutHeight, g.OutWidth), Filters, pointwise, 1));
    }

    public override long MultiplyAdds(CheckedLayer layer)
    {
        var g = layer.Window!;
        var middle = (long)Middle(layer) * g.OutHeight * g.OutWidth;
        return middle * g.KernelHeight * g.KernelWidth + (long)layer.OutputShape.Size * Middle(layer);
    }

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
    {
        var d = layer.Window!;
        string Int(int v) => StepWriter.Int(v);
        return $"SeparableConv2D {Int(layer.InputShape.Channels)}→{Int(Filters)}, {Int(d.KernelHeight)}×{Int(d.KernelWidth)}, multiplier {Int(DepthMultiplier)}, stride {Int(d.Stride)}, {d.PaddingText}{(UseBias ? "" : ", no bias")} → {layer.OutputShape}";
    }

    public override void EmitForward(ForwardWriter w)
    {
        w.Call("Conv2DForward", $"{w.Input()}, {w.Value("DepthwiseWeight")}, null, {w.Buffer("Mid")}, _workspace, batch, in {w.Geometry("Depthwise")}");
        w.Call("Conv2DForward", $"{w.Buffer("Mid")}, {w.Value("PointwiseWeight")}, {w.Value("Bias", UseBias)}, {w.Output}, _workspace, batch, in {w.Geometry("Pointwise")}");
    }

    public override void EmitBackward(BackwardWriter w)
    {
        w.Call("Conv2DBackward", $"{w.Buffer("Mid")}, {w.Value("PointwiseWeight")}, {w.OutputGradient}, {w.Buffer("MidGrad")}, {w.Gradient("PointwiseWeight")}, {w.Gradient("Bias", UseBias)}, _workspace, batch, in {w.Geometry("Pointwise")}");
        w.Call("Conv2DBackward", $"{w.Input()}, {w.Value("DepthwiseWeight")}, {w.Buffer("MidGrad")}, {w.InputGradient() ?? "null"}, {w.Gradient("DepthwiseWeight")}, null, _workspace, batch, in {w.Geometry("Depthwise")}");
    }

    /// <summary>Two Convs: the depthwise one (a group per channel, no bias), then the 1×1 pointwise one with the bias.</summary>
    public override void EmitOnnx(OnnxWriter w)
    {
        var depthwise = w.Temporary("depthwise");
        w.Node("Conv", $"{w.Input()}, {w.Weight("DepthwiseWeight")}", depthwise,
            OnnxWriter.WindowAttributes(w.Layer.InputShape, w.Layer.Window!, OnnxWriter.IntAttribute("group", w.Layer.InputShape.Channels)));
        w.Node("Conv", $"{depthwise}, {w.Weight("PointwiseWeight")}{(UseBias ? ", " + w.Weight("Bias") : "")}", w.Output,
            OnnxWriter.IntsAttribute("kernel_shape", 1, 1));
    }
}
