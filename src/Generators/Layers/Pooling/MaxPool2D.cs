namespace Unroll.Generators.Layers;

/// <summary>Max pooling; padded cells are never chosen.</summary>
internal sealed record MaxPool2D(int Size, int Stride, Padding Padding, int Pad) : Pool2D(Size, Stride, Padding, Pad)
{
    private static readonly MaxPool2DAttribute Defaults = new(1);

    public static Layer Bind(LayerArguments a) => new MaxPool2D(a.Int(nameof(MaxPool2DAttribute.Size), 0),
        a.Int(nameof(MaxPool2DAttribute.Stride), Defaults.Stride), a.Padding(nameof(MaxPool2DAttribute.Padding), Defaults.Padding),
        a.Int(nameof(MaxPool2DAttribute.Pad), Defaults.Pad));

    public override string Kind => "MaxPool2D";
    public override string KerasType => "MaxPooling2D";
    public override string NamePrefix => "max_pooling2d";

    public override void EmitForward(ForwardWriter w)
        => w.Call("MaxPool2DForward", $"{w.Input()}, {w.Output}, batch, in {w.Geometry()}");

    public override void EmitBackward(BackwardWriter w)
        => w.Call("MaxPool2DBackward", $"{w.Input()}, {w.OutputGradient}, {w.InputGradient()}, batch, in {w.Geometry()}");

    /// <summary>MaxPool; padding never wins, as here.</summary>
    public override void EmitOnnx(OnnxWriter w) => w.Node("MaxPool", w.Input(), w.Output, OnnxWriter.WindowAttributes(w.Layer.InputShape, w.Layer.Window!));
}
