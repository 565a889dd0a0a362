using System;
using System.Collections.Generic;
using System.Linq;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>
/// Joins images of one height and width along channels, in order (<c>Tensor.Concat</c>); <paramref name="Inputs"/> is how
/// many, so that the unit can declare one geometry (<c>s_{field}Input{k}Geometry</c>) per input.
/// </summary>
internal sealed record Concat(int Inputs) : Layer
{
    public override string Kind => "Concat";
    public override string KerasType => "Concatenate";
    public override string NamePrefix => "concatenate";
    public override MemberSuffixes Members => new(Array.Empty<string>(), Array.Empty<string>(), Enumerable.Range(0, Inputs).Select(Part).ToArray());

    private static string Part(int k) => "Input" + StepWriter.Int(k);

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs)
    {
        var first = inputs[0];
        var total = 0L;
        foreach (var other in inputs)
        {
            if (!other.IsImage || !first.IsImage || other.Height != first.Height || other.Width != first.Width)
            {
                var why = inputs.Any(s => !s.IsImage) ? "a 1-D input has no channels to join along; flatten after joining instead" : "their heights and widths differ; pad or pool them to the same size";
                context.Report(DiagnosticDescriptors.ConcatShapeMismatch, context.Name, string.Join(", ", inputs.Select(s => s.ToString())), why, context.CallContext);
                return null;
            }
            total += other.Channels;
        }
        return context.Image(total, first.Height, first.Width) is { } joined ? new Inferred(joined) : null;
    }

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
        => $"Concat of {string.Join(", ", layer.Inputs.Select(inputName))} → {layer.OutputShape}";

    // One geometry per input: its channels and where they start in the output.
    public override IEnumerable<GeometryInfo> Geometries(CheckedLayer layer)
    {
        string Int(int v) => StepWriter.Int(v);
        var offset = 0;
        for (var k = 0; k < layer.InputShapes.Count; k++)
        {
            var channels = layer.InputShapes[k].Channels;
            yield return new GeometryInfo(Part(k), GeometryInfo.Concat,
                $"new {GeometryInfo.Concat}({Int(channels)}, {Int(layer.OutputShape.Channels)}, {Int(offset)}, {Int(layer.OutputShape.Spatial)})");
            offset += channels;
        }
    }

    public override void EmitForward(ForwardWriter w)
    {
        for (var k = 0; k < w.Layer.Inputs.Count; k++)
            w.Call("ConcatChannelsForward", $"{w.Input(k)}, {w.Output}, batch, in {w.Geometry(Part(k))}");
    }

    // Each input's gradient is its slice of the output gradient's channels.
    public override void EmitBackward(BackwardWriter w)
    {
        for (var k = 0; k < w.Layer.Inputs.Count; k++)
            if (w.InputGradient(k) is { } target)
                w.Call("ConcatChannelsBackward", $"{w.OutputGradient}, {target}, batch, in {w.Geometry(Part(k))}");
    }

    public override void EmitOnnx(OnnxWriter w)
        => w.Node("Concat", string.Join(", ", Enumerable.Range(0, w.Layer.Inputs.Count).Select(k => w.Input(k))), w.Output, OnnxWriter.IntAttribute("axis", 1));
}
