using System;
using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>Fully connected: y = W·x + b, weight [units, inputs] (PyTorch's layout).</summary>
internal sealed record Dense(int Units, bool UseBias) : Layer
{
    private static readonly DenseAttribute Defaults = new(1);

    public static Layer Bind(LayerArguments a)
        => new Dense(a.Int(nameof(DenseAttribute.Units), 0), a.Bool(nameof(DenseAttribute.UseBias), Defaults.UseBias));

    public override string Kind => "Dense";
    public override string NamePrefix => "dense";
    public override InputSpec Input => InputSpec.Vector;
    public override MemberSuffixes Members => s_members;
    private static readonly MemberSuffixes s_members = new(new[] { "Weight", "Bias" }, Array.Empty<string>(), new[] { "" });

    public override void CheckArguments(LayerContext context)
    {
        if (Units <= 0) context.Invalid($"units {Units}", "a Dense layer needs at least 1 unit");
    }

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs) => new Inferred(Shape.Vector(Units));

    public override IEnumerable<ParameterInfo> Parameters(CheckedLayer layer)
    {
        yield return new ParameterInfo("Weight", "weight", new[] { Units, layer.InputShape.Features }, layer.Init);
        if (UseBias) yield return new ParameterInfo("Bias", "bias", new[] { Units }, "Zeros");
    }

    public override IEnumerable<GeometryInfo> Geometries(CheckedLayer layer)
    {
        yield return new GeometryInfo("", GeometryInfo.Dense, $"new {GeometryInfo.Dense}({StepWriter.Int(layer.InputShape.Features)}, {StepWriter.Int(Units)})");
    }

    public override long MultiplyAdds(CheckedLayer layer) => (long)Units * layer.InputShape.Features;

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
        => $"Dense {StepWriter.Int(layer.InputShape.Features)}→{StepWriter.Int(Units)}{(UseBias ? "" : ", no bias")} → {layer.OutputShape}";

    public override void EmitForward(ForwardWriter w)
        => w.Call("DenseForward", $"{w.Input()}, {w.Value("Weight")}, {w.Value("Bias", UseBias)}, {w.Output}, batch, in {w.Geometry()}");

    public override void EmitBackward(BackwardWriter w)
        => w.Call("DenseBackward", $"{w.Input()}, {w.Value("Weight")}, {w.OutputGradient}, {w.InputGradient() ?? "null"}, {w.Gradient("Weight")}, {w.Gradient("Bias", UseBias)}, batch, in {w.Geometry()}");

    /// <summary>Gemm with the weight transposed: PyTorch's [out, in] is ONNX's B read as Bᵀ.</summary>
    public override void EmitOnnx(OnnxWriter w)
        => w.Node("Gemm", $"{w.Input()}, {w.Weight("Weight")}{(UseBias ? ", " + w.Weight("Bias") : "")}", w.Output, OnnxWriter.IntAttribute("transB", 1));
}
