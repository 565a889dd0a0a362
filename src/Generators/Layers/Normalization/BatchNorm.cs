using System;
using System.Collections.Generic;
using System.Globalization;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>
/// Batch normalisation per channel (per feature of a vector): <c>weight</c> (γ) and <c>bias</c> (β), trainable, and the
/// running statistics, not. A training pass keeps the batch's mean and inverse deviation for backward.
/// </summary>
internal sealed record BatchNorm(double Momentum, double Epsilon, bool Scale, bool Center) : Layer
{
    private static readonly BatchNormAttribute Defaults = new();

    public static Layer Bind(LayerArguments a) => new BatchNorm(
        a.Double(nameof(BatchNormAttribute.Momentum), Defaults.Momentum),
        a.Double(nameof(BatchNormAttribute.Epsilon), Defaults.Epsilon),
        a.Bool(nameof(BatchNormAttribute.Scale), Defaults.Scale),
        a.Bool(nameof(BatchNormAttribute.Center), Defaults.Center));

    public override string Kind => "BatchNorm";
    public override string KerasType => "BatchNormalization";
    public override string NamePrefix => "batch_normalization";
    public override InputSpec Input => InputSpec.VectorOrImage;
    public override MemberSuffixes Members => s_members;
    private static readonly MemberSuffixes s_members = new(new[] { "Weight", "Bias", "RunningMean", "RunningVar" }, new[] { "Mean", "InvStd" }, new[] { "" });
    public override bool NeedsGradientScratch => true;
    public override string? TrainingState => "batch statistics";
    public override string? BackwardNeedsTrainingPass
        => "Backward needs a training-mode forward pass: this network has BatchNorm layers, whose gradient uses the batch statistics. Call Forward(batch, training: true) first.";
    public override bool PassesInitHint => true;

    // Float arguments are checked as the float the generated code uses: 0.99999999999 is 1 and double.Epsilon is 0 there.
    public override void CheckArguments(LayerContext context)
    {
        if (!((float)Momentum >= 0 && (float)Momentum < 1))
            context.Invalid($"momentum {LayerContext.AsFloat(Momentum)}", "the momentum must be in [0, 1): the fraction of the running statistics kept at each step, such as 0.99");
        if (!((float)Epsilon > 0 && (float)Epsilon < 1))
            context.Invalid($"epsilon {LayerContext.AsFloat(Epsilon)}", "epsilon must be a small positive number, such as 1e-3");
    }

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs) => new Inferred(inputs[0]);

    public override IEnumerable<ParameterInfo> Parameters(CheckedLayer layer)
    {
        var c = new[] { layer.InputShape.Channels };
        if (Scale) yield return new ParameterInfo("Weight", "weight", c, "Ones");
        if (Center) yield return new ParameterInfo("Bias", "bias", c, "Zeros");
        yield return new ParameterInfo("RunningMean", "running_mean", c, "Zeros", Trainable: false);
        yield return new ParameterInfo("RunningVar", "running_var", c, "Ones", Trainable: false);
    }

    public override IEnumerable<BufferInfo> Buffers(CheckedLayer layer)
    {
        yield return new BufferInfo("Mean", layer.InputShape.Channels, PerSample: false);
        yield return new BufferInfo("InvStd", layer.InputShape.Channels, PerSample: false);
    }

    public override IEnumerable<GeometryInfo> Geometries(CheckedLayer layer)
    {
        yield return new GeometryInfo("", GeometryInfo.BatchNorm,
            $"new {GeometryInfo.BatchNorm}({StepWriter.Int(layer.InputShape.Channels)}, {StepWriter.Int(layer.InputShape.Spatial)}, {StepWriter.Float(Momentum)}, {StepWriter.Float(Epsilon)})");
    }

    /// <summary>At inference, one multiply-add per value (the statistics fold into a scale and a shift).</summary>
    public override long MultiplyAdds(CheckedLayer layer) => layer.OutputShape.Size;

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
        => $"BatchNorm momentum {Momentum.ToString("R", CultureInfo.InvariantCulture)}, ε {Epsilon.ToString("R", CultureInfo.InvariantCulture)}{(Scale ? "" : ", no scale")}{(Center ? "" : ", no center")} → {layer.OutputShape}";

    // The buffers travel as one struct, built at the call: a parameter's Value may be replaced between passes.
    private string Buffers(StepWriter w)
        => $"new global::Unroll.BatchNormBuffers({w.Value("Weight", Scale)}, {w.Value("Bias", Center)}, {w.Value("RunningMean")}, {w.Value("RunningVar")}, {w.Buffer("Mean")}, {w.Buffer("InvStd")})";

    public override void EmitForward(ForwardWriter w)
        => w.Call("BatchNormForward", $"{w.Input()}, {w.Output}, {Buffers(w)}, batch, in {w.Geometry()}, training");

    // The kernel always writes an input gradient; when none is needed it goes to the scratch buffer.
    public override void EmitBackward(BackwardWriter w)
        => w.Call("BatchNormBackward", $"{w.Input()}, {w.OutputGradient}, {w.InputGradient() ?? w.Scratch}, {w.Gradient("Weight", Scale)}, {w.Gradient("Bias", Center)}, {Buffers(w)}, batch, in {w.Geometry()}");

    /// <summary>BatchNormalization with the running statistics; ones for a missing scale, zeros for a missing center.</summary>
    public override void EmitOnnx(OnnxWriter w)
    {
        var channels = new long[] { w.Layer.InputShape.Channels };
        var scale = Scale ? w.Weight("Weight") : w.Floats("scale", channels, 1);
        var center = Center ? w.Weight("Bias") : w.Floats("bias", channels, 0);
        w.Node("BatchNormalization", $"{w.Input()}, {scale}, {center}, {w.Weight("RunningMean")}, {w.Weight("RunningVar")}", w.Output,
            OnnxWriter.FloatAttribute("epsilon", Epsilon));
    }
}
