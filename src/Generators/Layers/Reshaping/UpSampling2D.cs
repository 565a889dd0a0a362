using System;
using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>Nearest-neighbour upsampling by whole factors: (c, h, w) → (c, h·Height, w·Width).</summary>
internal sealed record UpSampling2D(int Height, int Width) : Layer
{
    private const string GeometryType = "global::Unroll.UpSampling2DGeometry";

    public static Layer Bind(LayerArguments a)
    {
        if (!a.Has(nameof(UpSampling2DAttribute.Height)))
        {
            var size = a.Int("size", 0);
            return new UpSampling2D(size, size);
        }
        return new UpSampling2D(a.Int(nameof(UpSampling2DAttribute.Height), 0), a.Int(nameof(UpSampling2DAttribute.Width), 0));
    }

    public override string Kind => "UpSampling2D";
    public override string NamePrefix => "up_sampling2d";
    public override InputSpec Input => InputSpec.Image;
    public override MemberSuffixes Members => s_members;
    private static readonly MemberSuffixes s_members = new(Array.Empty<string>(), Array.Empty<string>(), new[] { "" });

    public override void CheckArguments(LayerContext context)
    {
        if (Height < 1 || Width < 1)
            context.Invalid($"size ({Height}, {Width})", "each factor must be at least 1, such as UpSampling2D(2)");
    }

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs)
        => context.Image(inputs[0].Channels, (long)inputs[0].Height * Height, (long)inputs[0].Width * Width) is { } upsampled
            ? new Inferred(upsampled) : null;

    public override IEnumerable<GeometryInfo> Geometries(CheckedLayer layer)
    {
        var i = layer.InputShape;
        string Int(int v) => StepWriter.Int(v);
        yield return new GeometryInfo("", GeometryType, $"new {GeometryType}({Int(i.Channels)}, {Int(i.Height)}, {Int(i.Width)}, {Int(Height)}, {Int(Width)})");
    }

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
        => $"UpSampling2D ×({StepWriter.Int(Height)}, {StepWriter.Int(Width)}) {layer.InputShape} → {layer.OutputShape}";

    public override void EmitForward(ForwardWriter w) => w.Call("UpSampling2DForward", $"{w.Input()}, {w.Output}, batch, in {w.Geometry()}");

    public override void EmitBackward(BackwardWriter w) => w.Call("UpSampling2DBackward", $"{w.OutputGradient}, {w.InputGradient()}, batch, in {w.Geometry()}");

    /// <summary>Resize, nearest, with output cell i reading input cell ⌊i / factor⌋ (asymmetric coordinates, floor).</summary>
    public override void EmitOnnx(OnnxWriter w)
        => w.Node("Resize", $"{w.Input()}, \"\", {w.Floats("scales", new long[] { 4 }, 1, 1, Height, Width)}", w.Output,
            OnnxWriter.StringAttribute("mode", "nearest"), OnnxWriter.StringAttribute("coordinate_transformation_mode", "asymmetric"),
            OnnxWriter.StringAttribute("nearest_mode", "floor"));
}
