using System;
using System.Collections.Generic;
using System.Globalization;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>Inverted dropout in training passes (a mask drawn per pass from the network's seed), the identity otherwise.</summary>
internal sealed record Dropout(double Rate) : Layer
{
    public static Layer Bind(LayerArguments a) => new Dropout(a.Double(nameof(DropoutAttribute.Rate), 0));

    public override string Kind => "Dropout";
    public override string NamePrefix => "dropout";
    public override MemberSuffixes Members => s_members;
    private static readonly MemberSuffixes s_members = new(Array.Empty<string>(), new[] { "Mask" }, Array.Empty<string>());
    public override string? TrainingState => "dropout masks";
    public override bool IsRandom => true;

    public override void CheckArguments(LayerContext context)
    {
        if (!((float)Rate >= 0 && (float)Rate < 1)) context.Invalid($"rate {LayerContext.AsFloat(Rate)}", "the dropout rate must be in [0, 1)");
    }

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs) => new Inferred(inputs[0]);

    public override IEnumerable<BufferInfo> Buffers(CheckedLayer layer)
    {
        yield return new BufferInfo("Mask", layer.OutputShape.Size, TrainingOnly: true);
    }

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
        => $"Dropout {Rate.ToString("R", CultureInfo.InvariantCulture)} → {layer.OutputShape}";

    public override void EmitForward(ForwardWriter w)
    {
        w.Line("if (training)");
        w.Line("    " + w.Operation("DropoutForward", $"{w.Input()}, {w.Output}, {w.Buffer("Mask")}, {StepWriter.Float(Rate)}, {w.DropoutSeed}, batch * {w.Size}"));
        w.Line("else");
        w.Line("    " + w.Operation("Copy", $"{w.Input()}, {w.Output}, batch * {w.Size}"));
    }

    // After an inference pass dropout was the identity, and so is its gradient.
    public override void EmitBackward(BackwardWriter w)
    {
        var inputGradient = w.InputGradient();
        w.Line("if (_lastPassTraining)");
        w.Line("    " + w.Operation("DropoutBackward", $"{w.Buffer("Mask")}, {w.OutputGradient}, {inputGradient}, batch * {w.Size}"));
        w.Line("else");
        w.Line("    " + w.Operation("Copy", $"{w.OutputGradient}, {inputGradient}, batch * {w.Size}"));
    }

    /// <summary>Left out: at inference dropout is the identity.</summary>
    public override void EmitOnnx(OnnxWriter w) => w.SameAsInput();
}
