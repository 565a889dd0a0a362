using System;
using System.Collections.Generic;
using System.Linq;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>Element-wise sum of two inputs of one shape (<c>x + y</c> in a definition method): a residual connection.</summary>
internal sealed record Add : Layer
{
    public override string Kind => "Add";
    public override string NamePrefix => "add";

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs)
    {
        if (inputs.Count < 2)
        {
            context.Invalid($"{inputs.Count} input(s)", "Add needs two inputs");
            return null;
        }
        if (inputs.Any(s => s != inputs[0]))
        {
            context.Report(DiagnosticDescriptors.AddShapeMismatch, context.Name, string.Join(" and ", inputs.Select(s => s.ToString())), context.CallContext);
            return null;
        }
        return new Inferred(inputs[0]);
    }

    public override long MultiplyAdds(CheckedLayer layer) => layer.OutputShape.Size;

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
        => $"Add of {string.Join(", ", layer.Inputs.Select(inputName))} → {layer.OutputShape}";

    public override void EmitForward(ForwardWriter w) => w.Call("Add", $"{w.Input(0)}, {w.Input(1)}, {w.Output}, batch * {w.Size}");

    // Each input's gradient is the output gradient.
    public override void EmitBackward(BackwardWriter w)
    {
        for (var k = 0; k < w.Layer.Inputs.Count; k++) w.PassGradient(k);
    }

    public override void EmitOnnx(OnnxWriter w) => w.Node("Add", $"{w.Input(0)}, {w.Input(1)}", w.Output);
}
