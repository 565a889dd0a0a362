using System;
using System.Collections.Generic;
using System.Globalization;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>
/// An activation as a layer of its own (<c>[Dense(128), Relu]</c>): one unit for all seven attributes, which differ only in
/// <see cref="Function"/> and, for LeakyRelu and Elu, <see cref="Alpha"/>.
/// </summary>
internal sealed record ActivationLayer(Activation Function, double Alpha) : Layer
{
    /// <summary>The binder for one activation attribute, with its alpha's default read from the attribute itself.</summary>
    public static Func<LayerArguments, Layer> Binder(Activation function, double defaultAlpha = 0)
        => a => new ActivationLayer(function, a.Double(nameof(LeakyReluAttribute.Alpha), defaultAlpha));

    public override string Kind => Function.ToString();

    public override string KerasType => Function switch
    {
        Activation.Relu => "ReLU",
        Activation.LeakyRelu => "LeakyReLU",
        Activation.Elu => "ELU",
        _ => Function.ToString(),
    };

    public override string NamePrefix => Function switch
    {
        Activation.Relu => "relu",
        Activation.LeakyRelu => "leaky_relu",
        Activation.Elu => "elu",
        Activation.Sigmoid => "sigmoid",
        Activation.Tanh => "tanh",
        Activation.Softmax => "softmax",
        _ => "linear",
    };

    public override Activation? FusableOutputActivation => Function is Activation.Softmax or Activation.Sigmoid ? Function : null;

    public override bool IsReluLike => Function is Activation.Relu or Activation.LeakyRelu or Activation.Elu;

    public override void CheckArguments(LayerContext context)
    {
        if (!LayerContext.IsFiniteFloat(Alpha)) context.Invalid($"alpha {LayerContext.AsFloat(Alpha)}", "alpha must be a finite number");
    }

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs) => new Inferred(inputs[0]);

    /// <summary>One operation per value.</summary>
    public override long MultiplyAdds(CheckedLayer layer) => Function == Activation.Linear ? 0 : layer.OutputShape.Size;

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
    {
        var alpha = Function is Activation.LeakyRelu or Activation.Elu ? " α=" + Alpha.ToString("R", CultureInfo.InvariantCulture) : "";
        return $"{Function}{alpha} → {layer.OutputShape}";
    }

    public override void EmitForward(ForwardWriter w)
        => w.Call("ActivationForward", $"global::Unroll.Activation.{Function}, {StepWriter.Float(Alpha)}, {w.Input()}, {w.Output}, {Rows(w)}");

    /// <summary>
    /// The (rows, features) the kernel sees: softmax normalises each row, which is a sample, or, for a (steps, features)
    /// sequence, each step (Keras's last axis). The other functions work value by value.
    /// </summary>
    private string Rows(StepWriter w)
    {
        var shape = w.Layer.OutputShape;
        return Function == Activation.Softmax && shape.Rank == 2
            ? $"batch * {StepWriter.Int(shape.Steps)}, {StepWriter.Int(shape.Features)}"
            : $"batch, {w.Size}";
    }

    public override void EmitBackward(BackwardWriter w) => w.Line(BackwardCall(w, w.InputGradient()));

    /// <summary>The backward call writing into <paramref name="target"/> (the emitter's fused-loss path picks its own target).</summary>
    public string BackwardCall(BackwardWriter w, string? target)
        => w.Operation("ActivationBackward", $"global::Unroll.Activation.{Function}, {StepWriter.Float(Alpha)}, {w.Input()}, {w.Output}, {w.OutputGradient}, {target}, {Rows(w)}");

    /// <summary>
    /// The ONNX operator of the same name; softmax over the last axis, which is the sample's features or a step's, and over
    /// a whole image sample flattened (as the kernel reads it) between a Flatten and a Reshape back.
    /// </summary>
    public override void EmitOnnx(OnnxWriter w)
    {
        switch (Function)
        {
            case Activation.Linear:
                w.SameAsInput();
                break;
            case Activation.Relu:
                w.Node("Relu", w.Input(), w.Output);
                break;
            case Activation.LeakyRelu:
                w.Node("LeakyRelu", w.Input(), w.Output, OnnxWriter.FloatAttribute("alpha", Alpha));
                break;
            case Activation.Elu:
                w.Node("Elu", w.Input(), w.Output, OnnxWriter.FloatAttribute("alpha", Alpha));
                break;
            case Activation.Sigmoid:
                w.Node("Sigmoid", w.Input(), w.Output);
                break;
            case Activation.Tanh:
                w.Node("Tanh", w.Input(), w.Output);
                break;
            case Activation.Softmax when w.Layer.OutputShape.Rank <= 2:
                w.Node("Softmax", w.Input(), w.Output, OnnxWriter.IntAttribute("axis", -1));
                break;
            case Activation.Softmax:
                var flat = w.Temporary("flat");
                var normalised = w.Temporary("softmax");
                w.Node("Flatten", w.Input(), flat, OnnxWriter.IntAttribute("axis", 1));
                w.Node("Softmax", flat, normalised, OnnxWriter.IntAttribute("axis", -1));
                w.Node("Reshape", $"{normalised}, {w.OutputShape()}", w.Output);
                break;
            default:
                throw new InvalidOperationException($"No ONNX operator for the activation {Function}");
        }
    }
}
