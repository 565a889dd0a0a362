using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>Reads its input as a vector of all its values, in order.</summary>
internal sealed record Flatten : AliasLayer
{
    public static Layer Bind(LayerArguments a) => new Flatten();

    public override string Kind => "Flatten";
    public override string NamePrefix => "flatten";

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs) => new Inferred(Shape.Vector(inputs[0].Size));

    public override void EmitOnnx(OnnxWriter w) => w.Node("Flatten", w.Input(), w.Output, OnnxWriter.IntAttribute("axis", 1));
}
