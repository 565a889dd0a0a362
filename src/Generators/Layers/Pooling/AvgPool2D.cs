namespace Unroll.Generators.Layers;

/// <summary>Average pooling; padded cells are not counted.</summary>
internal sealed record AvgPool2D(int Size, int Stride, Padding Padding, int Pad) : Pool2D(Size, Stride, Padding, Pad)
{
    private static readonly AvgPool2DAttribute Defaults = new(1);

    public static Layer Bind(LayerArguments a) => new AvgPool2D(a.Int(nameof(AvgPool2DAttribute.Size), 0),
        a.Int(nameof(AvgPool2DAttribute.Stride), Defaults.Stride), a.Padding(nameof(AvgPool2DAttribute.Padding), Defaults.Padding),
        a.Int(nameof(AvgPool2DAttribute.Pad), Defaults.Pad));

    public override string Kind => "AvgPool2D";
    public override string KerasType => "AveragePooling2D";
    public override string NamePrefix => "average_pooling2d";

    public override void EmitForward(ForwardWriter w)
        => w.Call("AvgPool2DForward", $"{w.Input()}, {w.Output}, batch, in {w.Geometry()}");

    public override void EmitBackward(BackwardWriter w)
        => w.Call("AvgPool2DBackward", $"{w.OutputGradient}, {w.InputGradient()}, batch, in {w.Geometry()}");

    /// <summary>AveragePool over the input cells only (count_include_pad = 0), as here.</summary>
    public override void EmitOnnx(OnnxWriter w)
        => w.Node("AveragePool", w.Input(), w.Output, OnnxWriter.WindowAttributes(w.Layer.InputShape, w.Layer.Window!, OnnxWriter.IntAttribute("count_include_pad", 0)));
}
