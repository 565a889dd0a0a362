using System;
using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>What max and average pooling share: a window per channel, its geometry and its description.</summary>
internal abstract record Pool2D(int Size, int Stride, Padding Padding, int Pad) : Windowed(Size, Size, Stride, Padding, Pad)
{
    protected override bool IsConvolution => false;
    public override MemberSuffixes Members => s_members;
    private static readonly MemberSuffixes s_members = new(Array.Empty<string>(), Array.Empty<string>(), new[] { "" });

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs)
    {
        if (Window(context, inputs[0]) is not { } window) return null;
        return context.Image(inputs[0].Channels, window.OutHeight, window.OutWidth) is { } output ? new Inferred(output, window) : null;
    }

    public override IEnumerable<GeometryInfo> Geometries(CheckedLayer layer)
    {
        var input = layer.InputShape;
        var g = layer.Window!;
        string Int(int v) => StepWriter.Int(v);
        yield return new GeometryInfo("", "global::Unroll.Pool2DGeometry",
            $"new global::Unroll.Pool2DGeometry({Int(input.Channels)}, {Int(input.Height)}, {Int(input.Width)}, {Int(g.KernelHeight)}, {Int(g.KernelWidth)}, {Int(g.Stride)}, {Int(g.Stride)}, {Int(g.PadTop)}, {Int(g.PadLeft)}, {Int(g.OutHeight)}, {Int(g.OutWidth)})");
    }

    /// <summary>One comparison or addition per window cell.</summary>
    public override long MultiplyAdds(CheckedLayer layer) => (long)layer.OutputShape.Size * layer.Window!.KernelHeight * layer.Window.KernelWidth;

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
    {
        var p = layer.Window!;
        return $"{Kind} {StepWriter.Int(p.KernelHeight)}×{StepWriter.Int(p.KernelWidth)}, stride {StepWriter.Int(p.Stride)}, {p.PaddingText} → {layer.OutputShape}";
    }
}
