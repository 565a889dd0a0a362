using System;
using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>Adds rows and columns of zeros around each channel.</summary>
internal sealed record ZeroPadding2D(int Top, int Bottom, int Left, int Right) : Layer
{
    public static Layer Bind(LayerArguments a)
    {
        if (!a.Has(nameof(ZeroPadding2DAttribute.Top)))
        {
            var all = a.Int("padding", 0);
            return new ZeroPadding2D(all, all, all, all);
        }
        return new ZeroPadding2D(a.Int(nameof(ZeroPadding2DAttribute.Top), 0), a.Int(nameof(ZeroPadding2DAttribute.Bottom), 0),
            a.Int(nameof(ZeroPadding2DAttribute.Left), 0), a.Int(nameof(ZeroPadding2DAttribute.Right), 0));
    }

    public override string Kind => "ZeroPadding2D";
    public override string NamePrefix => "zero_padding2d";
    public override InputSpec Input => InputSpec.Image;
    public override MemberSuffixes Members => s_members;
    private static readonly MemberSuffixes s_members = new(Array.Empty<string>(), Array.Empty<string>(), new[] { "" });

    public override void CheckArguments(LayerContext context)
    {
        if (Top < 0 || Bottom < 0 || Left < 0 || Right < 0)
            context.Invalid($"padding ({Top}, {Bottom}, {Left}, {Right})", "every padding amount must be 0 or more");
    }

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs)
        => context.Image(inputs[0].Channels, (long)inputs[0].Height + Top + Bottom, (long)inputs[0].Width + Left + Right) is { } padded
            ? new Inferred(padded) : null;

    public override string Describe(CheckedLayer layer, Func<int, string> inputName) => $"ZeroPadding2D {layer.InputShape} → {layer.OutputShape}";

    public override IEnumerable<GeometryInfo> Geometries(CheckedLayer layer)
    {
        var i = layer.InputShape;
        var o = layer.OutputShape;
        string Int(int v) => StepWriter.Int(v);
        yield return new GeometryInfo("", GeometryInfo.Padding2D,
            $"new {GeometryInfo.Padding2D}({Int(i.Channels)}, {Int(i.Height)}, {Int(i.Width)}, {Int(Top)}, {Int(Left)}, {Int(o.Height)}, {Int(o.Width)})");
    }

    public override void EmitForward(ForwardWriter w) => w.Call("ZeroPadding2DForward", $"{w.Input()}, {w.Output}, batch, in {w.Geometry()}");

    public override void EmitBackward(BackwardWriter w) => w.Call("ZeroPadding2DBackward", $"{w.OutputGradient}, {w.InputGradient()}, batch, in {w.Geometry()}");

    public override void EmitOnnx(OnnxWriter w)
        => w.Node("Pad", $"{w.Input()}, {w.Int64s("pads", 0, 0, Top, Left, 0, 0, Bottom, Right)}", w.Output);
}
