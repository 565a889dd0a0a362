using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Unroll;

/// <summary>
/// An ONNX inference graph being built: what a generated network's <see cref="INetwork.WriteOnnx"/> describes itself
/// to, one node or a few per layer, with the weights as initializers named as in a weights file (<c>conv2d_1.weight</c>).
/// Every tensor is NCHW with the batch as a symbolic first dimension. Each name is checked as it is used — defined once,
/// read only after it is defined — so a graph that would not load fails here, naming the tensor, rather than in the
/// program that loads it. <see cref="OnnxExport.SaveOnnx"/> writes the result.
/// </summary>
public sealed class OnnxGraph
{
    /// <summary>The operator set the nodes are written for.</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version of opset 17's release (ONNX 1.12).</summary>
    internal const int IrVersion = 8;

    private readonly List<ProtoMessage> _nodes = new();
    private readonly List<ProtoMessage> _initializers = new();
    private readonly List<ProtoMessage> _inputs = new();
    private readonly List<ProtoMessage> _outputs = new();
    private readonly HashSet<string> _defined = new(StringComparer.Ordinal);
    private readonly List<string> _outputNames = new();
    private long _weightBytes;

    internal OnnxGraph(string name) => Name = name;

    /// <summary>The graph's name: the network's.</summary>
    public string Name { get; }

    /// <summary>Declares a graph input of one sample's <paramref name="shape"/>, batched.</summary>
    public void Input(string name, ReadOnlySpan<int> shape)
    {
        Define(name, "graph input");
        _inputs.Add(ValueInfo(name, shape));
    }

    /// <summary>Declares <paramref name="name"/> a graph output of one sample's <paramref name="shape"/>; a node must define it.</summary>
    public void Output(string name, ReadOnlySpan<int> shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (_outputNames.Contains(name)) throw new InvalidOperationException($"The ONNX graph of {Name} declares the output '{name}' twice.");
        _outputNames.Add(name);
        _outputs.Add(ValueInfo(name, shape));
    }

    /// <summary>Adds a node of operator <paramref name="opType"/> with one output.</summary>
    public void Node(string opType, string[] inputs, string output, params OnnxAttribute[] attributes)
        => Node(opType, inputs, [output], attributes);

    /// <summary>
    /// Adds a node of operator <paramref name="opType"/>: its inputs (an empty name for an optional input left out)
    /// must be defined; its outputs (an empty name for an output not wanted) are defined by it.
    /// </summary>
    public void Node(string opType, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        foreach (var input in inputs)
            if (input.Length > 0) Require(input, $"input of the {opType} node");
        var node = new ProtoMessage();
        foreach (var input in inputs) node.String(1, input);
        string? name = null;
        foreach (var output in outputs)
        {
            if (output.Length > 0)
            {
                Define(output, $"output of the {opType} node");
                name ??= output;
            }
            node.String(2, output);
        }
        if (name is null) throw new ArgumentException($"The {opType} node has no named output.", nameof(outputs));
        node.String(3, name).String(4, opType);
        foreach (var attribute in attributes) node.Message(5, attribute.ToProto());
        _nodes.Add(node);
    }

    /// <summary>Adds <paramref name="parameter"/> as an initializer of its own name and shape; returns the name.</summary>
    public string Weight(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var shape = Array.ConvertAll(parameter.Shape, d => (long)d);
        return Initializer(parameter.Name, shape, Values(parameter));
    }

    /// <summary>
    /// Adds an initializer of <paramref name="shape"/> that joins <paramref name="parts"/> in order, each cut into
    /// <c>gateOrder.Length</c> equal blocks of rows that are written in <paramref name="gateOrder"/>'s order: how a
    /// recurrent layer's PyTorch-ordered gates (LSTM i, f, g, o) become ONNX's (i, o, f, c: order 0, 3, 1, 2).
    /// </summary>
    public string Gates(string name, long[] shape, int[] gateOrder, params Parameter[] parts)
    {
        ArgumentNullException.ThrowIfNull(gateOrder);
        var total = 0;
        foreach (var part in parts) total += part.Length;
        var values = new float[total];
        var at = 0;
        foreach (var part in parts)
        {
            if (part.Length % gateOrder.Length != 0)
                throw new ArgumentException($"Parameter '{part.Name}' has {part.Length} values, which do not split into {gateOrder.Length} gates.", nameof(parts));
            var block = part.Length / gateOrder.Length;
            var source = Values(part);
            foreach (var gate in gateOrder)
            {
                source.AsSpan(gate * block, block).CopyTo(values.AsSpan(at));
                at += block;
            }
        }
        return Initializer(name, shape, values);
    }

    /// <summary>Adds a float initializer of <paramref name="shape"/> (empty for a scalar): the values, or one value repeated.</summary>
    public string Floats(string name, long[] shape, params float[] values)
    {
        var count = Count(name, shape);
        if (values.Length == 1 && count != 1)
        {
            var filled = new float[count];
            Array.Fill(filled, values[0]);
            values = filled;
        }
        return Initializer(name, shape, values);
    }

    /// <summary>Adds a 1-D int64 initializer (a shape, pads): the values given.</summary>
    public string Int64s(string name, params long[] values)
    {
        Define(name, "initializer");
        var data = new byte[sizeof(long) * values.Length];
        for (var i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(8 * i), values[i]);
        _initializers.Add(Tensor(name, [values.Length], 7, data));
        return name;
    }

    private string Initializer(string name, long[] shape, float[] values)
    {
        var count = Count(name, shape);
        if (count != values.Length)
            throw new ArgumentException($"Initializer '{name}' of shape ({string.Join(", ", shape)}) needs {count} values; {values.Length} were given.", nameof(shape));
        Define(name, "initializer");
        var data = new byte[sizeof(float) * values.Length];
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(data);
        else for (var i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), values[i]);
        _weightBytes += data.Length;
        _initializers.Add(Tensor(name, shape, 1, data));
        return name;
    }

    /// <summary>A parameter's values; a NaN or infinity is refused, naming the parameter, since no runtime could use it.</summary>
    private static float[] Values(Parameter parameter)
    {
        var values = new float[parameter.Length];
        parameter.CopyTo(values);
        var bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new InvalidOperationException(
                $"Cannot export parameter '{parameter.Name}': its value at index {bad.ToString(CultureInfo.InvariantCulture)} is {values[bad].ToString(CultureInfo.InvariantCulture)}. " +
                "The weights are not finite (did training diverge?); train again or load good weights before exporting.");
        return values;
    }

    private static long Count(string name, long[] shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"Initializer '{name}' has a negative dimension in ({string.Join(", ", shape)}).", nameof(shape));
            count *= d;
        }
        return count;
    }

    private void Define(string name, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_defined.Add(name))
            throw new InvalidOperationException($"The ONNX graph of {Name} defines '{name}' twice (again as the {what}).");
    }

    private void Require(string name, string what)
    {
        if (!_defined.Contains(name))
            throw new InvalidOperationException($"The ONNX graph of {Name} reads '{name}' as the {what} before anything defines it.");
    }

    private static ProtoMessage Tensor(string name, long[] shape, int dataType, byte[] data)
        => new ProtoMessage().PackedVarints(1, shape).Varint(2, dataType).String(8, name).Bytes(9, data);

    private static ProtoMessage ValueInfo(string name, ReadOnlySpan<int> shape)
    {
        var dims = new ProtoMessage().Message(1, new ProtoMessage().String(2, "batch"));
        foreach (var d in shape) dims.Message(1, new ProtoMessage().Varint(1, d));
        var tensor = new ProtoMessage().Varint(1, 1).Message(2, dims);
        return new ProtoMessage().String(1, name).Message(2, new ProtoMessage().Message(1, tensor));
    }

    /// <summary>The whole model: IR version, producer, opset and the graph.</summary>
    internal ProtoMessage ToModel(string producerVersion)
    {
        if (_inputs.Count == 0 || _outputs.Count == 0)
            throw new InvalidOperationException($"The ONNX graph of {Name} has no {(_inputs.Count == 0 ? "input" : "output")}.");
        foreach (var output in _outputNames) Require(output, "graph output");
        // A protocol-buffers message cannot exceed 2 GiB; ONNX keeps larger weights in external files, which this writer does not do.
        if (_weightBytes > int.MaxValue - (64L << 20))
            throw new NotSupportedException($"{Name}'s weights take {_weightBytes:N0} bytes: an ONNX file holds at most 2 GiB without external data files, which Unroll does not write.");
        var graph = new ProtoMessage();
        foreach (var node in _nodes) graph.Message(1, node);
        graph.String(2, Name);
        foreach (var initializer in _initializers) graph.Message(5, initializer);
        foreach (var input in _inputs) graph.Message(11, input);
        foreach (var output in _outputs) graph.Message(12, output);
        return new ProtoMessage()
            .Varint(1, IrVersion)
            .String(2, "Unroll")
            .String(3, producerVersion)
            .Message(7, graph)
            .Message(8, new ProtoMessage().String(1, "").Varint(2, Opset));
    }
}

/// <summary>An attribute of an ONNX node: an integer, a float, a string or a list of integers.</summary>
public sealed class OnnxAttribute
{
    private readonly string _name;
    private readonly int _type;
    private readonly long _int;
    private readonly float _float;
    private readonly string? _string;
    private readonly long[]? _ints;

    private OnnxAttribute(string name, int type, long i = 0, float f = 0, string? s = null, long[]? ints = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        (_name, _type, _int, _float, _string, _ints) = (name, type, i, f, s, ints);
    }

    public static OnnxAttribute Int(string name, long value) => new(name, 2, i: value);

    public static OnnxAttribute Float(string name, float value) => new(name, 1, f: value);

    public static OnnxAttribute String(string name, string value) => new(name, 3, s: value);

    public static OnnxAttribute Ints(string name, params long[] values) => new(name, 7, ints: values);

    internal ProtoMessage ToProto()
    {
        var attribute = new ProtoMessage().String(1, _name);
        switch (_type)
        {
            case 1: attribute.Float(2, _float); break;
            case 2: attribute.Varint(3, _int); break;
            case 3: attribute.String(4, _string!); break;
            default: attribute.PackedVarints(8, _ints!); break;
        }
        return attribute.Varint(20, _type);
    }
}
