using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>
/// A recurrent layer over a (steps, features) sequence, one unit for its three cells (<c>SimpleRnn</c>, <c>Lstm</c>,
/// <c>Gru</c>), which differ only in <see cref="Cell"/>. Parameters are PyTorch's (<c>weight_ih_l0</c> [gates·units,
/// inputs], <c>weight_hh_l0</c> [gates·units, units], two biases; a reversed direction adds <c>_reverse</c>); each
/// direction is one backend call a pass, which runs every step.
/// </summary>
internal sealed record Recurrent(RecurrentCell Cell, int Units, bool ReturnSequences, bool Bidirectional) : Layer
{
    private const string GeometryType = "global::Unroll.RecurrentGeometry";

    /// <summary>The binder for one cell's attribute, with its defaults read from the attribute itself.</summary>
    public static Func<LayerArguments, Layer> Binder(RecurrentCell cell, bool defaultReturnSequences, bool defaultBidirectional)
        => a => new Recurrent(cell, a.Int(nameof(LstmAttribute.Units), 0),
            a.Bool(nameof(LstmAttribute.ReturnSequences), defaultReturnSequences),
            a.Bool(nameof(LstmAttribute.Bidirectional), defaultBidirectional));

    public override string Kind => Cell.ToString();

    public override string KerasType => Cell switch { RecurrentCell.Lstm => "LSTM", RecurrentCell.Gru => "GRU", _ => "SimpleRNN" };

    public override string NamePrefix => Cell switch { RecurrentCell.Lstm => "lstm", RecurrentCell.Gru => "gru", _ => "simple_rnn" };

    /// <summary>A (steps, features) sequence; anything else is UNR0031 with the way to make one.</summary>
    public override InputSpec Input => s_input;
    private static readonly InputSpec s_input = new(new[] { 2 }, hint: "add a Reshape to (steps, features) before it, such as Reshape(28, 28) for (1, 28, 28) images");

    public override MemberSuffixes Members => s_members;
    private static readonly MemberSuffixes s_members = new(
        new[] { "WeightIh", "WeightHh", "BiasIh", "BiasHh", "WeightIhReverse", "WeightHhReverse", "BiasIhReverse", "BiasHhReverse" },
        new[] { "States", "StatesReverse", "Step", "GradGates", "GradHidden" },
        new[] { "", "Reverse" });

    private int Directions => Bidirectional ? 2 : 1;

    private int GateSize => (int)Cell * Units;

    public override void CheckArguments(LayerContext context)
    {
        if (Units <= 0) context.Invalid($"units {Units}", $"a {Kind} layer needs at least 1 unit");
    }

    public override Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs)
    {
        var input = inputs[0];
        var features = (long)Units * Directions;
        // What one sample keeps over its steps (gates and two states each) and the weights must fit in arrays.
        var states = new BigInteger((long)(int)Cell * Units + 2L * Units) * input.Steps;
        var weights = new BigInteger((long)(int)Cell * Units) * Math.Max(input.Features, Units);
        if (states > int.MaxValue || weights > int.MaxValue || features > int.MaxValue)
        {
            context.TooLarge(LayerContext.Grouped(BigInteger.Max(states, weights)),
                $"its states or weights ({Units} units over {input.Steps} steps of {input.Features} features)");
            return null;
        }
        var output = ReturnSequences ? new Shape(2, input.Steps, (int)features) : Shape.Vector((int)features);
        return context.Fits(output) is { } fits ? new Inferred(fits) : null;
    }

    public override IEnumerable<ParameterInfo> Parameters(CheckedLayer layer)
    {
        var inputs = layer.InputShape.Features;
        foreach (var (suffix, name) in DirectionNames)
        {
            yield return new ParameterInfo("WeightIh" + suffix, "weight_ih_l0" + name, new[] { GateSize, inputs }, "GlorotUniform");
            yield return new ParameterInfo("WeightHh" + suffix, "weight_hh_l0" + name, new[] { GateSize, Units }, "GlorotUniform");
            yield return new ParameterInfo("BiasIh" + suffix, "bias_ih_l0" + name, new[] { GateSize }, "Zeros");
            yield return new ParameterInfo("BiasHh" + suffix, "bias_hh_l0" + name, new[] { GateSize }, "Zeros");
        }
    }

    private IEnumerable<(string Suffix, string Name)> DirectionNames
    {
        get
        {
            yield return ("", "");
            if (Bidirectional) yield return ("Reverse", "_reverse");
        }
    }

    public override IEnumerable<BufferInfo> Buffers(CheckedLayer layer)
    {
        var steps = layer.InputShape.Steps;
        var states = steps * (GateSize + (Cell == RecurrentCell.SimpleRnn ? Units : 2 * Units));
        yield return new BufferInfo("States", states, Description: "states");
        if (Bidirectional) yield return new BufferInfo("StatesReverse", states, Description: "reversed states");
        yield return new BufferInfo("Step", GateSize + 2 * Units);
        yield return new BufferInfo("GradGates", steps * GateSize, TrainingOnly: true, GradientOnly: true, Description: "gate gradients");
        // Only the GRU's hidden part (r ⊙ (W_hn·h + b_hn) in its n gate) has a gradient of its own; the others' is GradGates.
        if (Cell == RecurrentCell.Gru)
            yield return new BufferInfo("GradHidden", steps * GateSize, TrainingOnly: true, GradientOnly: true, Description: "hidden gate gradients");
    }

    public override IEnumerable<GeometryInfo> Geometries(CheckedLayer layer)
    {
        var i = layer.InputShape;
        string Int(int v) => StepWriter.Int(v);
        string Bool(bool v) => v ? "true" : "false";
        var features = Units * Directions;
        foreach (var (suffix, _) in DirectionNames)
        {
            var reverse = suffix.Length > 0;
            yield return new GeometryInfo(suffix, GeometryType,
                $"new {GeometryType}(global::Unroll.RecurrentCell.{Cell}, {Int(i.Steps)}, {Int(i.Features)}, {Int(Units)}, {Bool(reverse)}, " +
                $"{Bool(ReturnSequences)}, {Int(features)}, {Int(reverse ? Units : 0)}, {Bool(reverse)})");
        }
    }

    /// <summary>Per step and direction: both projections (the gate activations count one each).</summary>
    public override long MultiplyAdds(CheckedLayer layer)
        => (long)Directions * layer.InputShape.Steps * GateSize * (layer.InputShape.Features + Units + 1);

    public override string Describe(CheckedLayer layer, Func<int, string> inputName)
        => $"{Kind} {StepWriter.Int(Units)} units over {StepWriter.Int(layer.InputShape.Steps)} steps, {(ReturnSequences ? "every step" : "last step")}{(Bidirectional ? ", bidirectional" : "")} → {layer.OutputShape}";

    private static string Buffers(StepWriter w, string suffix)
        => $"new global::Unroll.RecurrentBuffers({w.Value("WeightIh" + suffix)}, {w.Value("WeightHh" + suffix)}, {w.Value("BiasIh" + suffix)}, {w.Value("BiasHh" + suffix)}, {w.Buffer("States" + suffix)}, {w.Buffer("Step")})";

    public override void EmitForward(ForwardWriter w)
    {
        foreach (var (suffix, _) in DirectionNames)
            w.Call("RecurrentForward", $"{w.Input()}, {w.Output}, {Buffers(w, suffix)}, batch, in {w.Geometry(suffix)}");
    }

    // The reversed direction's geometry adds its input gradient to the forward direction's.
    public override void EmitBackward(BackwardWriter w)
    {
        var inputGradient = w.InputGradient() ?? "null";
        foreach (var (suffix, _) in DirectionNames)
        {
            var gradients = $"new global::Unroll.RecurrentGradients({w.Gradient("WeightIh" + suffix)}, {w.Gradient("WeightHh" + suffix)}, {w.Gradient("BiasIh" + suffix)}, {w.Gradient("BiasHh" + suffix)}, {w.Buffer("GradGates")}, {w.Buffer(Cell == RecurrentCell.Gru ? "GradHidden" : "GradGates")})";
            w.Call("RecurrentBackward", $"{w.Input()}, {w.OutputGradient}, {inputGradient}, {Buffers(w, suffix)}, {gradients}, batch, in {w.Geometry(suffix)}");
        }
    }

    /// <summary>
    /// ONNX's RNN, LSTM or GRU, which read and write time-major tensors (ONNX Runtime does not take batch-major ones):
    /// the sequence is transposed to (steps, batch, features) and back. Gates are reordered from PyTorch's to ONNX's (LSTM
    /// i, f, g, o to i, o, f, c; GRU r, z, n to z, r, h, with linear_before_reset = 1 for PyTorch's n gate), and each
    /// direction's two biases are joined. Every step's output is Y (steps, directions, batch, units); the last one, Y_h
    /// (directions, batch, units), where the reversed direction's last is its step 0, as here.
    /// </summary>
    public override void EmitOnnx(OnnxWriter w)
    {
        var (op, order) = Cell switch
        {
            RecurrentCell.Lstm => ("LSTM", new[] { 0, 3, 1, 2 }),
            RecurrentCell.Gru => ("GRU", new[] { 1, 0, 2 }),
            _ => ("RNN", new[] { 0 }),
        };
        var directions = DirectionNames.Select(d => d.Suffix).ToArray();
        var timeMajor = w.Temporary("time_major");
        w.Node("Transpose", w.Input(), timeMajor, OnnxWriter.IntsAttribute("perm", 1, 0, 2));
        var weights = w.Gates("W", new long[] { Directions, GateSize, w.Layer.InputShape.Features }, order, directions.Select(d => "WeightIh" + d).ToArray());
        var recurrence = w.Gates("R", new long[] { Directions, GateSize, Units }, order, directions.Select(d => "WeightHh" + d).ToArray());
        var biases = w.Gates("B", new long[] { Directions, 2 * GateSize }, order, directions.SelectMany(d => new[] { "BiasIh" + d, "BiasHh" + d }).ToArray());
        var attributes = new List<string>
        {
            OnnxWriter.IntAttribute("hidden_size", Units),
            OnnxWriter.StringAttribute("direction", Bidirectional ? "bidirectional" : "forward"),
        };
        if (Cell == RecurrentCell.Gru) attributes.Add(OnnxWriter.IntAttribute("linear_before_reset", 1));
        var steps = w.Temporary("Y");
        var last = w.Temporary("Y_h");
        // Outputs Y and Y_h: the one not wanted is left unnamed.
        w.Node(op, $"{timeMajor}, {weights}, {recurrence}, {biases}", ReturnSequences ? $"[{steps}]" : $"[\"\", {last}]", attributes.ToArray());
        if (ReturnSequences)
        {
            var batchMajor = w.Temporary("batch_major");
            w.Node("Transpose", steps, batchMajor, OnnxWriter.IntsAttribute("perm", 2, 0, 1, 3));
            w.Node("Reshape", $"{batchMajor}, {w.Int64s("shape", 0, 0, -1)}", w.Output);
        }
        else
        {
            var batchMajor = w.Temporary("batch_major");
            w.Node("Transpose", last, batchMajor, OnnxWriter.IntsAttribute("perm", 1, 0, 2));
            w.Node("Flatten", batchMajor, w.Output, OnnxWriter.IntAttribute("axis", 1));
        }
    }
}
