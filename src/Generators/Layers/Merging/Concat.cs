using System;
using System.Collections.Generic;
using System.Linq;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>Joins images of one height and width along channels, in order (<c>Tensor.Concat</c>).</summary>
internal sealed record Concat : Layer
{
    public override string Kind => "Concat";
    public override string KerasType => "Concatenate";
    public override string NamePrefix => "concatenate";

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

    private static string Slice(StepWriter w, int k, int offset)
        => $"batch, {StepWriter.Int(w.Layer.InputShapes[k].Channels)}, {StepWriter.Int(w.Layer.OutputShape.Channels)}, {StepWriter.Int(offset)}, {StepWriter.Int(w.Layer.OutputShape.Spatial)}";

    public override void EmitForward(ForwardWriter w)
    {
        var offset = 0;
        for (var k = 0; k < w.Layer.Inputs.Count; k++)
        {
            w.Call("ConcatChannelsForward", $"{w.Input(k)}, {w.Output}, {Slice(w, k, offset)}");
            offset += w.Layer.InputShapes[k].Channels;
        }
    }

    // Each input's gradient is its slice of the output gradient's channels.
    public override void EmitBackward(BackwardWriter w)
    {
        var offset = 0;
        for (var k = 0; k < w.Layer.Inputs.Count; k++)
        {
            if (w.InputGradient(k) is { } target)
                w.Call("ConcatChannelsBackward", $"{w.OutputGradient}, {target}, {Slice(w, k, offset)}");
            offset += w.Layer.InputShapes[k].Channels;
        }
    }
}
