using System;
using System.Collections.Generic;
using System.Globalization;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>Multiplies by a constant factor (Inception-ResNet's residual scaling).</summary>
internal sealed record Scale(double Factor) : Layer
{
    public static Layer Bind(LayerArguments a) => new Scale(a.Double(nameof(ScaleAttribute.Factor), 1));

    public override string Kind => "Scale";
    public override string NamePrefix => "scale";

    public override void CheckArguments(LayerContext context)
    {
        if (!LayerContext.IsFiniteFloat(Factor)) context.Invalid($"factor {LayerContext.AsFloat(Factor)}", "the factor must be a finite number");
    }

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs) => new Inferred(inputs[0]);

    public override long MultiplyAdds(CheckedLayer layer) => layer.OutputShape.Size;

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
        => $"Scale ×{Factor.ToString("R", CultureInfo.InvariantCulture)} → {layer.OutputShape}";

    public override void EmitForward(ForwardWriter w)
        => w.Call("Scale", $"{w.Input()}, {w.Output}, {StepWriter.Float(Factor)}, batch * {w.Size}");

    public override void EmitBackward(BackwardWriter w)
        => w.Call("Scale", $"{w.OutputGradient}, {w.InputGradient()}, {StepWriter.Float(Factor)}, batch * {w.Size}");

    public override void EmitOnnx(OnnxWriter w) => w.Node("Mul", $"{w.Input()}, {w.Floats("factor", new long[0], Factor)}", w.Output);
}
