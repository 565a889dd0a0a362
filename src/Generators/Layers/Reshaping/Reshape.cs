using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>Reads its input with another shape of rank 1 to 4, one dimension possibly -1 (inferred from the others).</summary>
internal sealed record Reshape(EquatableArray<int> Dims) : AliasLayer
{
    public static Layer Bind(LayerArguments a) => new Reshape(new EquatableArray<int>(a.Ints(nameof(ReshapeAttribute.Dims))));

    public override string Kind => "Reshape";
    public override string NamePrefix => "reshape";

    private string Written => "(" + string.Join(", ", Dims.Select(d => LayerContext.Plain(d))) + ")";

    public override void CheckArguments(LayerContext context)
    {
        if (Dims.Count is < 1 or > Shape.MaxRank)
            context.Invalid($"{Dims.Count} dimensions {Written}", $"a shape has 1 to {Shape.MaxRank} dimensions");
        else if (Dims.Any(d => d == 0 || d < -1))
            context.Invalid($"dims {Written}", "every dimension must be positive, or -1 for the one to infer");
        else if (Dims.Count(d => d == -1) > 1)
            context.Invalid($"dims {Written}", "only one dimension can be -1 (inferred from the others)");
    }

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs)
    {
        var input = inputs[0];
        var known = Dims.Where(d => d != -1).Aggregate(BigInteger.One, (product, d) => product * d);
        var inferred = Dims.Any(d => d == -1);
        if (inferred ? input.Size % known != 0 : known != input.Size)
        {
            var fix = inferred
                ? $"the other dimensions multiply to {LayerContext.Grouped(known)}, which does not divide {LayerContext.Grouped(input.Size)}"
                : $"the dimensions must multiply to {LayerContext.Grouped(input.Size)}";
            context.Report(DiagnosticDescriptors.ReshapeSizeMismatch, context.Name, input.ToString(), LayerContext.Grouped(input.Size),
                Written, fix, inferred ? "" : $", {LayerContext.Grouped(known)} values");
            return null;
        }
        var dims = Dims.Select(d => d == -1 ? (int)(input.Size / known) : d).ToArray();
        return new Inferred(Shape.Of(dims));
    }

    /// <summary>A Reshape to [batch, …dims]: 0 keeps the batch.</summary>
    public override void EmitOnnx(OnnxWriter w)
        => w.Node("Reshape", $"{w.Input()}, {w.OutputShape()}", w.Output);
}
