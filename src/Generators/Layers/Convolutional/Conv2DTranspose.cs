using System;
using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>
/// Transposed 2-D convolution; weight [channels, filters, k, k] (PyTorch's ConvTranspose2d layout). Output per dimension
/// as Keras's deconv_output_length: n·s + max(k − s, 0) valid, n·s same, the full (n − 1)·s + k rows cropped by
/// max(k − s, 0) in 'same', ⌊·/2⌋ at the top/left and the odd one at the bottom/right (TensorFlow's split).
/// </summary>
internal sealed record Conv2DTranspose(int Filters, int Kernel, int Stride, Padding Padding, bool UseBias) : Layer
{
    private const string GeometryType = "global::Unroll.Conv2DTransposeGeometry";
    private static readonly Conv2DTransposeAttribute Defaults = new(1, 1);

    public static Layer Bind(LayerArguments a)
        => new Conv2DTranspose(a.Int(nameof(Conv2DTransposeAttribute.Filters), 0), a.Int(nameof(Conv2DTransposeAttribute.Kernel), 0),
            a.Int(nameof(Conv2DTransposeAttribute.Stride), Defaults.Stride), a.Padding(nameof(Conv2DTransposeAttribute.Padding), Defaults.Padding),
            a.Bool(nameof(Conv2DTransposeAttribute.UseBias), Defaults.UseBias));

    public override string Kind => "Conv2DTranspose";
    public override string NamePrefix => "conv2d_transpose";
    public override InputSpec Input => InputSpec.Image;
    public override bool UsesWorkspace => true;
    public override MemberSuffixes Members => s_members;

    // "Convolution" is the convolution this layer is the input gradient of; the network sizes its workspace from it.
    private static readonly MemberSuffixes s_members = new(new[] { "Weight", "Bias" }, Array.Empty<string>(), new[] { "", "Convolution" });

    public override void CheckArguments(LayerContext context)
    {
        if (Filters <= 0) context.Invalid($"filters {Filters}", "a Conv2DTranspose layer needs at least 1 filter");
        if (Kernel <= 0) context.Invalid($"a {Kernel}×{Kernel} kernel", "the kernel size must be at least 1");
        if (Stride <= 0) context.Invalid($"Stride = {Stride}", "the stride must be at least 1");
        if (Padding is not (Padding.Valid or Padding.Same))
            context.Invalid($"Padding = {(int)Padding}", "padding must be Padding.Valid or Padding.Same");
    }

    /// <summary>Rows cropped from the full output in total: max(k − s, 0) for 'same', none for 'valid'.</summary>
    private long Crop => Padding == Padding.Same ? Math.Max((long)Kernel - Stride, 0) : 0;

    /// <summary>Output extent for an input extent n, in longs (n·s overflows an int).</summary>
    private long OutSize(long n) => n * Stride + (Padding == Padding.Same ? 0 : Math.Max((long)Kernel - Stride, 0));

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs)
        => context.Image(Filters, OutSize(inputs[0].Height), OutSize(inputs[0].Width)) is { } output ? new Inferred(output) : null;

    public override IEnumerable<ParameterInfo> Parameters(CheckedLayer layer)
    {
        yield return new ParameterInfo("Weight", "weight", new[] { layer.InputShape.Channels, Filters, Kernel, Kernel }, layer.Init);
        if (UseBias) yield return new ParameterInfo("Bias", "bias", new[] { Filters }, "Zeros");
    }

    public override IEnumerable<GeometryInfo> Geometries(CheckedLayer layer)
    {
        string Int(int v) => StepWriter.Int(v);
        var i = layer.InputShape;
        var o = layer.OutputShape;
        var top = Int((int)(Crop / 2));
        yield return new GeometryInfo("", GeometryType,
            $"new {GeometryType}({Int(i.Channels)}, {Int(i.Height)}, {Int(i.Width)}, {Int(Filters)}, {Int(Kernel)}, {Int(Kernel)}, {Int(Stride)}, {Int(Stride)}, {top}, {top}, {Int(o.Height)}, {Int(o.Width)})");
        // The same numbers seen from the output: a Conv2DGeometry, so that the network's workspace covers this layer.
        yield return new GeometryInfo("Convolution", GeometryInfo.Conv2D,
            $"new {GeometryInfo.Conv2D}({Int(Filters)}, {Int(o.Height)}, {Int(o.Width)}, {Int(i.Channels)}, {Int(Kernel)}, {Int(Kernel)}, {Int(Stride)}, {Int(Stride)}, {top}, {top}, {Int(i.Height)}, {Int(i.Width)})");
    }

    /// <summary>Every input value times every kernel entry of every filter.</summary>
    public override long MultiplyAdds(CheckedLayer layer) => (long)layer.InputShape.Size * Filters * Kernel * Kernel;

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
    {
        string Int(int v) => StepWriter.Int(v);
        var crop = Crop;
        var padding = Padding == Padding.Valid ? "valid"
            : crop % 2 == 0 ? $"same (crop {LayerContext.Plain(crop / 2)})"
            : $"same (crop top/left {LayerContext.Plain(crop / 2)}, bottom/right {LayerContext.Plain(crop - crop / 2)})";
        return $"Conv2DTranspose {Int(layer.InputShape.Channels)}→{Int(Filters)}, {Int(Kernel)}×{Int(Kernel)}, stride {Int(Stride)}, {padding}{(UseBias ? "" : ", no bias")} → {layer.OutputShape}";
    }

    public override void EmitForward(ForwardWriter w)
        => w.Call("Conv2DTransposeForward", $"{w.Input()}, {w.Value("Weight")}, {w.Value("Bias", UseBias)}, {w.Output}, _workspace, batch, in {w.Geometry()}");

    public override void EmitBackward(BackwardWriter w)
        => w.Call("Conv2DTransposeBackward", $"{w.Input()}, {w.Value("Weight")}, {w.OutputGradient}, {w.InputGradient() ?? "null"}, {w.Gradient("Weight")}, {w.Gradient("Bias", UseBias)}, _workspace, batch, in {w.Geometry()}");

    /// <summary>
    /// ConvTranspose, whose output is s·(n − 1) + output_padding + k − pads: the crop as pads (TensorFlow's split), and
    /// where the stride exceeds the kernel, the zero rows past the full output as output_padding.
    /// </summary>
    public override void EmitOnnx(OnnxWriter w)
    {
        long begin = Crop / 2, end = Crop - Crop / 2;
        long Extra(int input, int output) => output - ((long)Stride * (input - 1) + Kernel - begin - end);
        var i = w.Layer.InputShape;
        var o = w.Layer.OutputShape;
        var attributes = new List<string>
        {
            OnnxWriter.IntsAttribute("kernel_shape", Kernel, Kernel),
            OnnxWriter.IntsAttribute("strides", Stride, Stride),
            OnnxWriter.IntsAttribute("pads", begin, begin, end, end),
        };
        if (Extra(i.Height, o.Height) != 0 || Extra(i.Width, o.Width) != 0)
            attributes.Add(OnnxWriter.IntsAttribute("output_padding", Extra(i.Height, o.Height), Extra(i.Width, o.Width)));
        w.Node("ConvTranspose", $"{w.Input()}, {w.Weight("Weight")}{(UseBias ? ", " + w.Weight("Bias") : "")}", w.Output, attributes.ToArray());
    }
}
