using System;
using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>The mean of each channel: (c, h, w) → (c).</summary>
internal sealed record GlobalAvgPool2D : Layer
{
    public static Layer Bind(LayerArguments a) => new GlobalAvgPool2D();

    public override string Kind => "GlobalAvgPool2D";
    public override string KerasType => "GlobalAveragePooling2D";
    public override string NamePrefix => "global_average_pooling2d";
    public override InputSpec Input => InputSpec.Image;
    public override MemberSuffixes Members => s_members;
    private static readonly MemberSuffixes s_members = new(Array.Empty<string>(), Array.Empty<string>(), new[] { "" });

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs) => new Inferred(Shape.Vector(inputs[0].Channels));

    public override IEnumerable<GeometryInfo> Geometries(CheckedLayer layer)
    {
        yield return new GeometryInfo("", GeometryInfo.GlobalPool2D,
            $"new {GeometryInfo.GlobalPool2D}({StepWriter.Int(layer.InputShape.Channels)}, {StepWriter.Int(layer.InputShape.Spatial)})");
    }

    public override long MultiplyAdds(CheckedLayer layer) => layer.InputShape.Size;

    public override string Describe(CheckedLayer layer, Func<int, string> inputName) => $"GlobalAvgPool2D {layer.InputShape} → {layer.OutputShape}";

    public override void EmitForward(ForwardWriter w)
        => w.Call("GlobalAvgPool2DForward", $"{w.Input()}, {w.Output}, batch, in {w.Geometry()}");

    public override void EmitBackward(BackwardWriter w)
        => w.Call("GlobalAvgPool2DBackward", $"{w.OutputGradient}, {w.InputGradient()}, batch, in {w.Geometry()}");

    /// <summary>GlobalAveragePool gives (c, 1, 1); the layer's output is the (c) vector.</summary>
    public override void EmitOnnx(OnnxWriter w)
    {
        var pooled = w.Temporary("pooled");
        w.Node("GlobalAveragePool", w.Input(), pooled);
        w.Node("Flatten", pooled, w.Output, OnnxWriter.IntAttribute("axis", 1));
    }
}
