using System;
using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>Reads its input as a vector: a reshape, so it shares its input's buffers and emits no work.</summary>
internal sealed record Flatten : Layer
{
    public static Layer Bind(LayerArguments a) => new Flatten();

    public override string Kind => "Flatten";
    public override string NamePrefix => "flatten";
    public override bool IsAlias => true;

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs) => new Inferred(Shape.Vector(inputs[0].Size));

    public override string Describe(CheckedLayer layer, Func<int, string> inputName) => $"Flatten {layer.InputShape} → {layer.OutputShape}";

    public override void EmitForward(ForwardWriter w) => w.Line($"// (a reshape: {w.Output} is already laid out as {w.Layer.OutputShape}; nothing to do)");

    public override void EmitBackward(BackwardWriter w) { }
}
