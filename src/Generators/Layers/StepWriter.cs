using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>
/// What a unit writes one step of the forward or backward pass with: the buffers the plan gave it, its own members by
/// suffix (refused unless its <see cref="Layer.Members"/> lists them) and literal sizes. The emitter implements it.
/// </summary>
internal abstract class StepWriter(CheckedLayer layer)
{
    public CheckedLayer Layer { get; } = layer;

    /// <summary>The buffer holding input <paramref name="k"/>.</summary>
    public abstract string Input(int k = 0);

    public abstract string Output { get; }

    public abstract void Line(string text);

    /// <summary>Writes a call of the backend operation <paramref name="operation"/> (an <c>IBackend</c> method) as a line.</summary>
    public void Call(string operation, string arguments) => Line(Operation(operation, arguments));

    /// <summary>
    /// The statement that calls backend operation <paramref name="operation"/>, for a unit that places it itself. Every
    /// operation named here is one the network checks, at construction, that its backend supports.
    /// </summary>
    public string Operation(string operation, string arguments)
    {
        Uses(operation);
        return $"_backend.{operation}({arguments});";
    }

    /// <summary>Notes that this step calls <paramref name="operation"/>.</summary>
    protected abstract void Uses(string operation);

    /// <summary>Values in one output sample, as a literal.</summary>
    public string Size => Int(Layer.OutputShape.Size);

    public string Field => Naming.CamelCase(Layer.MemberName);

    /// <summary>One of the layer's own buffers: <c>_{field}{suffix}</c>.</summary>
    public string Buffer(string suffix) => "_" + Field + Declared(Layer.Layer.Members.Buffers, suffix, "buffer");

    /// <summary>One of its parameters: <c>{Member}{suffix}</c>.</summary>
    public string Parameter(string suffix) => Layer.MemberName + Declared(Layer.Layer.Members.Parameters, suffix, "parameter");

    /// <summary>A parameter's values, or <c>null</c> when the layer was built without it (no bias).</summary>
    public string Value(string suffix, bool present = true) => present ? Parameter(suffix) + ".Value" : "null";

    /// <summary>A parameter's gradient, or <c>null</c> when absent.</summary>
    public string Gradient(string suffix, bool present = true) => present ? Parameter(suffix) + ".Gradient" : "null";

    /// <summary>A static geometry field: <c>s_{field}{part}Geometry</c>.</summary>
    public string Geometry(string part = "") => "s_" + Field + Declared(Layer.Layer.Members.Geometries, part, "geometry") + "Geometry";

    private string Declared(string[] declared, string suffix, string what)
        => Array.IndexOf(declared, suffix) >= 0 ? suffix
            : throw new InvalidOperationException($"{Layer.Layer.Kind} uses the {what} '{suffix}' without listing it in its Members");

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A C# string literal of <paramref name="text"/>, quoted and escaped.</summary>
    public static string Literal(string text) => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(text, quote: true);

    /// <summary>A float literal; never <c>Infinityf</c> or <c>NaNf</c>, which do not compile.</summary>
    public static string Float(double value)
    {
        var f = (float)value;
        if (float.IsNaN(f)) return "float.NaN";
        if (float.IsInfinity(f)) return f > 0 ? "float.PositiveInfinity" : "float.NegativeInfinity";
        return f.ToString("R", CultureInfo.InvariantCulture) + "f";
    }
}

/// <summary>Writes a forward step.</summary>
internal abstract class ForwardWriter(CheckedLayer layer) : StepWriter(layer)
{
    /// <summary>The expression of this layer's seed for the current training pass.</summary>
    public string DropoutSeed => $"DropoutSeed({Int(Layer.Index)})";
}

/// <summary>
/// Writes a backward step. <see cref="InputGradient"/> names where input k's gradient goes: its buffer, or, when another
/// consumer already wrote that, the scratch buffer, added in once the unit asks for the next input's target or finishes.
/// </summary>
internal abstract class BackwardWriter(CheckedLayer layer) : StepWriter(layer)
{
    public abstract string OutputGradient { get; }

    /// <summary>Where to write input <paramref name="k"/>'s gradient, or null when none is needed.</summary>
    public abstract string? InputGradient(int k = 0);

    /// <summary>Input <paramref name="k"/>'s gradient is the output gradient itself (Add): copied, or added where one is already there.</summary>
    public abstract void PassGradient(int k);

    /// <summary>A buffer for a gradient the kernel must write but nobody reads.</summary>
    public abstract string Scratch { get; }
}

/// <summary>
/// Writes a layer's part of the ONNX graph (<c>INetwork.WriteOnnx</c>): nodes that read its inputs' tensors and define
/// its own, named after the layer, with its parameters as initializers. <see cref="StepWriter.Input"/> and
/// <see cref="StepWriter.Output"/> are C# string literals of tensor names here, not buffers.
/// </summary>
internal abstract class OnnxWriter(CheckedLayer layer) : StepWriter(layer)
{
    private const string Attribute = "global::Unroll.OnnxAttribute";

    /// <summary>The layer's tensor is its input's (dropout, a linear activation): no node, unless it is a graph output.</summary>
    public abstract void SameAsInput();

    /// <summary>
    /// Adds a node; <paramref name="inputs"/> are C# expressions of tensor names, comma-separated, and
    /// <paramref name="output"/> one such expression, or a collection (<c>["", "x"]</c>) of a node's several outputs.
    /// </summary>
    public void Node(string op, string inputs, string output, params string[] attributes)
        => Line($"graph.Node({Literal(op)}, [{inputs}], {output}{string.Concat(attributes.Select(a => ", " + a))});");

    /// <summary>An intermediate tensor of this layer's: <c>"{layer}/{part}"</c> (a slash, which no layer name holds).</summary>
    public string Temporary(string part) => Literal(Layer.Name + "/" + part);

    /// <summary>A parameter, as an initializer: the expression that adds it and names it.</summary>
    public string Weight(string suffix) => $"graph.Weight({Parameter(suffix)})";

    /// <summary>A 1-D int64 initializer (a shape, pads) of this layer's, named <c>"{layer}/{part}"</c>.</summary>
    public string Int64s(string part, params long[] values) => $"graph.Int64s({Temporary(part)}{string.Concat(values.Select(v => ", " + Long(v)))})";

    /// <summary>The target of a Reshape to this layer's output: [0 (the batch, kept), …its dimensions].</summary>
    public string OutputShape(string part = "shape") => Int64s(part, new long[] { 0 }.Concat(Layer.OutputShape.Dims.Select(d => (long)d)).ToArray());

    /// <summary>A float initializer of this layer's of <paramref name="shape"/> (none for a scalar): the values, or one value repeated.</summary>
    public string Floats(string part, long[] shape, params double[] values)
        => $"graph.Floats({Temporary(part)}, [{Join(shape, Long)}]{string.Concat(values.Select(v => ", " + Float(v)))})";

    /// <summary>An initializer joining parameters, gates reordered (see <c>OnnxGraph.Gates</c>).</summary>
    public string Gates(string part, long[] shape, int[] order, params string[] suffixes)
        => $"graph.Gates({Temporary(part)}, [{Join(shape, Long)}], [{Join(order, Int)}], {Join(suffixes, Parameter)})";

    private static string Join<T>(IEnumerable<T> values, Func<T, string> text) => string.Join(", ", values.Select(text));

    public static string IntAttribute(string name, long value) => $"{Attribute}.Int({Literal(name)}, {Long(value)})";

    public static string FloatAttribute(string name, double value) => $"{Attribute}.Float({Literal(name)}, {Float(value)})";

    public static string StringAttribute(string name, string value) => $"{Attribute}.String({Literal(name)}, {Literal(value)})";

    public static string IntsAttribute(string name, params long[] values) => $"{Attribute}.Ints({Literal(name)}, {Join(values, Long)})";

    /// <summary>
    /// A window's ONNX attributes, then <paramref name="more"/>: kernel, strides and pads as [top, left, bottom, right],
    /// the bottom/right amounts only those the output reads, so that ONNX's output size comes out as ours.
    /// </summary>
    public static string[] WindowAttributes(Shape input, WindowGeometry g, params string[] more)
    {
        long bottom = Math.Max(0, (long)(g.OutHeight - 1) * g.Stride + g.KernelHeight - input.Height - g.PadTop);
        long right = Math.Max(0, (long)(g.OutWidth - 1) * g.Stride + g.KernelWidth - input.Width - g.PadLeft);
        var window = new[]
        {
            IntsAttribute("kernel_shape", g.KernelHeight, g.KernelWidth),
            IntsAttribute("strides", g.Stride, g.Stride),
            IntsAttribute("pads", g.PadTop, g.PadLeft, bottom, right),
        };
        return window.Concat(more).ToArray();
    }

    private static string Long(long value) => value.ToString(CultureInfo.InvariantCulture);

    protected override void Uses(string operation)
        => throw new InvalidOperationException($"{Layer.Layer.Kind} calls the backend ({operation}) while writing its ONNX graph");
}
