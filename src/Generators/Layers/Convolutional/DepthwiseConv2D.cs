using System;
using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>Depthwise convolution: each channel convolved with its own <c>DepthMultiplier</c> kernels; weight [c·m, 1, kh, kw].</summary>
internal sealed record DepthwiseConv2D(int Kernel, int DepthMultiplier, int Stride, Padding Padding, bool UseBias)
    : Windowed(Kernel, Kernel, Stride, Padding, 0)
{
    private static readonly DepthwiseConv2DAttribute Defaults = new(1);

    public static Layer Bind(LayerArguments a) => new DepthwiseConv2D(
        a.Int(nameof(DepthwiseConv2DAttribute.Kernel), 0),
        a.Int(nameof(DepthwiseConv2DAttribute.DepthMultiplier), Defaults.DepthMultiplier),
        a.Int(nameof(DepthwiseConv2DAttribute.Stride), Defaults.Stride),
        a.Padding(nameof(DepthwiseConv2DAttribute.Padding), Defaults.Padding),
        a.Bool(nameof(DepthwiseConv2DAttribute.UseBias), Defaults.UseBias));

    public override string Kind => "DepthwiseConv2D";
    public override string NamePrefix => "depthwise_conv2d";
    protected override bool IsConvolution => true;
    public override bool UsesWorkspace => true;
    public override MemberSuffixes Members => s_members;
    private static readonly MemberSuffixes s_members = new(new[] { "Weight", "Bias" }, Array.Empty<string>(), new[] { "" });

    public override void CheckArguments(LayerContext context)
    {
        if (DepthMultiplier < 1) context.Invalid($"DepthMultiplier = {DepthMultiplier}", "the depth multiplier must be at least 1");
        base.CheckArguments(context);
    }

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs)
    {
        if (Window(context, inputs[0]) is not { } window) return null;
        return context.Image((long)inputs[0].Channels * DepthMultiplier, window.OutHeight, window.OutWidth) is { } output ? new Inferred(output, window) : null;
    }

    public override IEnumerable<ParameterInfo> Parameters(CheckedLayer layer)
    {
        var channels = layer.OutputShape.Channels;
        yield return new ParameterInfo("Weight", "weight", new[] { channels, 1, layer.Window!.KernelHeight, layer.Window.KernelWidth }, layer.Init);
        if (UseBias) yield return new ParameterInfo("Bias", "bias", new[] { channels }, "Zeros");
    }

    public override IEnumerable<GeometryInfo> Geometries(CheckedLayer layer)
    {
        yield return new GeometryInfo("", GeometryInfo.Conv2D, ConvGeometry(layer.InputShape, layer.OutputShape.Channels, layer.Window!, layer.InputShape.Channels));
    }

    public override long MultiplyAdds(CheckedLayer layer) => ConvMultiplyAdds(layer.OutputShape, 1, layer.Window!);

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
    {
        var d = layer.Window!;
        string Int(int v) => StepWriter.Int(v);
        return $"DepthwiseConv2D {Int(layer.InputShape.Channels)}, {Int(d.KernelHeight)}×{Int(d.KernelWidth)}, multiplier {Int(DepthMultiplier)}, stride {Int(d.Stride)}, {d.PaddingText}{(UseBias ? "" : ", no bias")} → {layer.OutputShape}";
    }

    public override void EmitForward(ForwardWriter w)
        => w.Call("Conv2DForward", $"{w.Input()}, {w.Value("Weight")}, {w.Value("Bias", UseBias)}, {w.Output}, _workspace, batch, in {w.Geometry()}");

    public override void EmitBackward(BackwardWriter w)
        => w.Call("Conv2DBackward", $"{w.Input()}, {w.Value("Weight")}, {w.OutputGradient}, {w.InputGradient() ?? "null"}, {w.Gradient("Weight")}, {w.Gradient("Bias", UseBias)}, _workspace, batch, in {w.Geometry()}");

    /// <summary>A Conv with one group per input channel: output channel c·m + j reads channel c, as PyTorch's groups do.</summary>
    public override void EmitOnnx(OnnxWriter w)
        => w.Node("Conv", $"{w.Input()}, {w.Weight("Weight")}{(UseBias ? ", " + w.Weight("Bias") : "")}", w.Output,
            OnnxWriter.WindowAttributes(w.Layer.InputShape, w.Layer.Window!, OnnxWriter.IntAttribute("group", w.Layer.InputShape.Channels)));
}
