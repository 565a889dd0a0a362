using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using Unroll.Generators.Model;

namespace Unroll.Generators;

/// <summary>
/// Writes a network's C# from its checked model alone: constants, buffers allocated once, and forward and backward passes
/// as straight-line calls into the backend with every size a literal, one commented line per layer.
/// </summary>
internal static class Emitter
{
    private const string Backend = "global::Unroll.IBackend";
    private const string Buffer = "global::Unroll.FloatBuffer";
    private const string Parameter = "global::Unroll.Parameter";

    public static string Emit(CheckedNetwork network) => new NetworkWriter(network).Write();

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A float literal. The checker rejects values that are not finite as floats, but this never prints <c>Infinityf</c>
    /// or <c>NaNf</c> (which do not compile) whatever arrives.
    /// </summary>
    internal static string Float(double value)
    {
        var f = (float)value;
        if (float.IsNaN(f)) return "float.NaN";
        if (float.IsInfinity(f)) return f > 0 ? "float.PositiveInfinity" : "float.NegativeInfinity";
        return f.ToString("R", CultureInfo.InvariantCulture) + "f";
    }

    private static string Grouped(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Literal(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

    /// <summary>Text for the inside of an interpolated string literal: escaped as a literal, braces doubled.</summary>
    private static string InterpolationText(string text) => LiteralText(text).Replace("{", "{{").Replace("}", "}}");

    /// <summary>Text for the inside of a string literal: escaped, without the quotes.</summary>
    private static string LiteralText(string text) => SymbolDisplay.FormatLiteral(text, quote: false);

    private static string XmlEscape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    /// <summary>One parameter tensor of a layer: its C# member, its name, shape, initialisation and whether an optimizer updates it.</summary>
    private sealed record ParameterPlan(string Member, string Name, int[] Shape, string Init, bool Trainable);

    private sealed class NetworkWriter
    {
        private readonly CheckedNetwork _network;
        private readonly IReadOnlyList<CheckedLayer> _layers;
        private readonly SourceWriter _w = new();
        private readonly string _self;

        // Buffer plan. A node's buffers belong to its owner: itself, or for Flatten (a reshape) the owner of the node it reads.
        private readonly int[] _owner;
        private readonly bool[] _needsGradient;    // node i's output gradient is needed: some layer at or before it has parameters
        private readonly bool[] _ownsGradient;     // i owns a gradient buffer (index 0 of the arrays is the network input)
        private readonly List<int>[] _consumers;   // per owner: the non-reshape nodes that read it
        private readonly int[] _outputs;           // output nodes, main output first
        private readonly int[] _logitsOwner;       // per output: owner of its final softmax/sigmoid's input, or int.MinValue
        private readonly bool _hasDropout;
        private readonly bool _hasBatchNorm;
        private readonly bool _hasConv;
        private readonly bool _needsScratch;
        private readonly int _largest;
        private readonly int _largestBufferSize;
        private readonly string _largestBuffer;

        public NetworkWriter(CheckedNetwork network)
        {
            _network = network;
            _layers = network.Layers;
            _self = network.Type.FullName;
            var count = _layers.Count;
            _owner = new int[count];
            _needsGradient = new bool[count];
            _ownsGradient = new bool[count + 1];
            _consumers = new List<int>[count];
            _largest = network.InputShape.Size;
            for (var i = 0; i < count; i++)
            {
                var layer = _layers[i];
                _consumers[i] = new List<int>();
                _owner[i] = layer.Kind == LayerKind.Flatten ? Owner(layer.Inputs[0]) : i;
                var needs = layer.HasParameters;
                foreach (var j in layer.Inputs) needs |= j >= 0 && _needsGradient[j];
                _needsGradient[i] = needs;
                if (layer.Kind != LayerKind.Flatten)
                    foreach (var j in layer.Inputs) if (Owner(j) >= 0) _consumers[Owner(j)].Add(i);
                _hasDropout |= layer.Kind == LayerKind.Dropout;
                _hasBatchNorm |= layer.Kind == LayerKind.BatchNorm;
                _hasConv |= layer.IsConvolution;
                _largest = System.Math.Max(_largest, layer.OutputShape.Size);
            }
            _outputs = network.Outputs.Count == 0 ? new[] { count - 1 } : network.Outputs.Select(o => o.Node).ToArray();
            for (var i = 0; i < count; i++)
                if (_needsGradient[i] || _outputs.Contains(i)) _ownsGradient[Owner(i) + 1] = true;
            _logitsOwner = new int[_outputs.Length];
            for (var k = 0; k < _outputs.Length; k++)
            {
                var final = _layers[_outputs[k]];
                _logitsOwner[k] = final is { Kind: LayerKind.Activation, Activation: Activation.Softmax or Activation.Sigmoid }
                    ? Owner(final.Inputs[0])
                    : int.MinValue;
            }
            // Joins and BatchNorm's discarded input gradient need one shared scratch buffer; sequential networks without them do not.
            _needsScratch = !network.IsSequential || _hasBatchNorm;

            // The largest per-sample buffer, allocated as capacity × its size, bounds the capacity (the first such, by name).
            (_largestBufferSize, _largestBuffer) = (network.InputShape.Size, "the input");
            for (var i = 0; i < count; i++)
            {
                var layer = _layers[i];
                if (_owner[i] == i && layer.OutputShape.Size > _largestBufferSize)
                    (_largestBufferSize, _largestBuffer) = (layer.OutputShape.Size, layer.Name + "'s output");
                if (layer.Kind == LayerKind.SeparableConv2D && MiddleSize(layer) > _largestBufferSize)
                    (_largestBufferSize, _largestBuffer) = (MiddleSize(layer), layer.Name + "'s depthwise output");
            }
        }

        private int Owner(int node) => node < 0 ? -1 : _owner[node];

        private string Out(int node) => Owner(node) < 0 ? "_input" : $"_{Field(_layers[Owner(node)])}Out";

        private string GradField(int node) => Owner(node) < 0 ? "_inputGradient" : $"_{Field(_layers[Owner(node)])}Grad";

        private static string Field(CheckedLayer layer) => Naming.CamelCase(layer.MemberName);

        private static string Geometry(CheckedLayer layer, string part = "") => $"s_{Field(layer)}{part}Geometry";

        private static string Weight(CheckedLayer layer) => layer.MemberName + "Weight";

        private static string Bias(CheckedLayer layer) => layer.MemberName + "Bias";

        private int MainOutput => _outputs[0];

        /// <summary>A SeparableConv2D's depthwise output per sample: (channels × multiplier, out height, out width).</summary>
        private static int MiddleSize(CheckedLayer layer)
            => layer.InputShape.Channels * layer.DepthMultiplier * layer.OutputShape.Height * layer.OutputShape.Width;

        private static int Spatial(Shape shape) => shape.IsImage ? shape.Height * shape.Width : 1;

        public string Write()
        {
            var type = _network.Type;
            _w.Line("// <auto-generated/>");
            _w.Line($"// Network {type.Name}: input {_network.InputShape} → output {_network.OutputShape}, {Grouped(_network.ParameterCount)} parameters.");
            _w.Line(_network.FromDefinition
                ? "// Generated by Unroll.Generators from the class's definition method; edit that, not this file."
                : "// Generated by Unroll.Generators from the class's layer attributes; edit those, not this file.");
            _w.Line("#nullable enable");
            _w.Line();
            if (type.Namespace is not null) _w.Open($"namespace {Naming.QualifiedIdentifier(type.Namespace)}");
            foreach (var outer in type.ContainingTypes) _w.Open($"partial {outer.Keyword} {Naming.Identifier(outer.Name)}");

            WriteDocumentation();
            _w.Open($"{type.Accessibility} partial {type.Keyword} {Naming.Identifier(type.Name)} : global::Unroll.INetwork<{_self}>");
            WriteConstants();
            WriteLayerConstants();
            WriteFields();
            WriteConstructor();
            WriteProperties();
            WriteForward();
            WriteBackward();
            if (_hasDropout) WriteDropoutSeed();
            if (_hasConv) WriteWorkspaceLength();
            _w.Close();

            foreach (var _ in type.ContainingTypes) _w.Close();
            if (type.Namespace is not null) _w.Close();
            return _w.ToString();
        }

        private void WriteDocumentation()
        {
            _w.Line("/// <remarks>");
            _w.Line($"/// Generated network: input {_network.InputShape}, output {_network.OutputShape}, {Grouped(_network.ParameterCount)} parameters.");
            _w.Line("/// <code>");
            foreach (var line in Summary.Lines(_network)) _w.Line("/// " + XmlEscape(line));
            _w.Line("/// </code>");
            _w.Line("/// </remarks>");
        }

        private void WriteConstants()
        {
            _w.Line("/// <summary>Values in one input sample.</summary>");
            _w.Line($"public const int InputSize = {Int(_network.InputShape.Size)};");
            _w.Line();
            _w.Line("/// <summary>Values in one output sample.</summary>");
            _w.Line($"public const int OutputSize = {Int(_network.OutputShape.Size)};");
            _w.Line();
            _w.Line("/// <summary>Total number of parameters, as Keras counts them (BatchNorm's running statistics included).</summary>");
            _w.Line($"public const int ParameterCount = {Int(_network.ParameterCount)};");
            _w.Line();
            _w.Line("/// <summary>Number of parameters an optimizer updates.</summary>");
            _w.Line($"public const int TrainableParameterCount = {Int(_network.TrainableParameterCount)};");
            _w.Line();
            _w.Line($"/// <summary>The largest capacity (batch) the constructor accepts: {XmlEscape(_largestBuffer)}, {Grouped(_largestBufferSize)} values a sample, must fit in one array.</summary>");
            _w.Line($"public const int MaxCapacity = {Int(int.MaxValue / System.Math.Max(_largestBufferSize, 1))};");
            _w.Line();
            _w.Line("/// <summary>Layers, output shapes and parameter counts, laid out like Keras's <c>model.summary()</c>.</summary>");
            _w.Line("public const string Summary =");
            var lines = Summary.Lines(_network);
            for (var i = 0; i < lines.Count; i++)
            {
                var last = i == lines.Count - 1;
                _w.Line("    " + Literal(last ? lines[i] : lines[i] + "\n") + (last ? ";" : " +"));
            }
            _w.Line();
            _w.Line($"/// <summary>Shape of one input sample: {_network.InputShape}.</summary>");
            _w.Line($"public static global::System.ReadOnlySpan<int> InputShape => {ShapeList(_network.InputShape)};");
            _w.Line();
            _w.Line($"/// <summary>Shape of one output sample: {_network.OutputShape}.</summary>");
            _w.Line($"public static global::System.ReadOnlySpan<int> OutputShape => {ShapeList(_network.OutputShape)};");
            _w.Line();
            _w.Line("// Constants cannot implement static abstract members, so these forward to them.");
            _w.Line($"static int global::Unroll.INetwork<{_self}>.InputSize => InputSize;");
            _w.Line($"static int global::Unroll.INetwork<{_self}>.OutputSize => OutputSize;");
            _w.Line($"static int global::Unroll.INetwork<{_self}>.ParameterCount => ParameterCount;");
            _w.Line($"static int global::Unroll.INetwork<{_self}>.TrainableParameterCount => TrainableParameterCount;");
            _w.Line($"static string global::Unroll.INetwork<{_self}>.Summary => Summary;");
            _w.Line();
        }

        private static string ShapeList(Shape shape)
            => shape.IsImage ? $"[{Int(shape.Channels)}, {Int(shape.Height)}, {Int(shape.Width)}]" : $"[{Int(shape.Features)}]";

        private void WriteLayerConstants()
        {
            _w.Line("/// <summary>Each layer's name, output shape and parameter count, as constants.</summary>");
            _w.Open("public static class Layers");
            for (var i = 0; i < _layers.Count; i++)
            {
                var layer = _layers[i];
                var shape = layer.OutputShape;
                if (i > 0) _w.Line();
                _w.Line($"/// <summary><c>{layer.Name}</c> ({Naming.SummaryType(layer.Kind, layer.Activation)}): output {shape}, {Grouped(layer.ParameterCount)} parameters.</summary>");
                _w.Open($"public static class {Naming.LayerClassName(layer.MemberName)}");
                _w.Line($"public const string Name = {Literal(layer.Name)};");
                if (shape.IsImage)
                {
                    _w.Line($"public const int Channels = {Int(shape.Channels)};");
                    _w.Line($"public const int Height = {Int(shape.Height)};");
                    _w.Line($"public const int Width = {Int(shape.Width)};");
                }
                else
                {
                    _w.Line($"public const int Features = {Int(shape.Features)};");
                }
                _w.Line($"public const int Size = {Int(shape.Size)};");
                _w.Line($"public const int ParameterCount = {Int(layer.ParameterCount)};");
                _w.Close();
            }
            _w.Close();
            _w.Line();
        }

        private static string ConvGeometry(Shape input, int outChannels, WindowGeometry g, int groups)
            => $"new global::Unroll.Conv2DGeometry({Int(input.Channels)}, {Int(input.Height)}, {Int(input.Width)}, {Int(outChannels)}, {Int(g.KernelHeight)}, {Int(g.KernelWidth)}, {Int(g.Stride)}, {Int(g.Stride)}, {Int(g.PadTop)}, {Int(g.PadLeft)}, {Int(g.OutHeight)}, {Int(g.OutWidth)}{(groups == 1 ? "" : ", " + Int(groups))})";

        /// <summary>The geometry fields of a layer: (field, type, initializer).</summary>
        private static IEnumerable<(string Field, string Type, string Value)> Geometries(CheckedLayer layer)
        {
            const string conv = "global::Unroll.Conv2DGeometry";
            if (layer.Window is not { } g) yield break;
            var input = layer.InputShape;
            switch (layer.Kind)
            {
                case LayerKind.Conv2D:
                    yield return (Geometry(layer), conv, ConvGeometry(input, layer.Units, g, layer.Groups));
                    break;
                case LayerKind.DepthwiseConv2D:
                    yield return (Geometry(layer), conv, ConvGeometry(input, input.Channels * layer.DepthMultiplier, g, input.Channels));
                    break;
                case LayerKind.SeparableConv2D:
                    var middle = input.Channels * layer.DepthMultiplier;
                    yield return (Geometry(layer, "Depthwise"), conv, ConvGeometry(input, middle, g, input.Channels));
                    var pointwise = new WindowGeometry(1, 1, 1, 0, 0, g.OutHeight, g.OutWidth, "valid");
                    yield return (Geometry(layer, "Pointwise"), conv, ConvGeometry(Shape.Image(middle, g.OutHeight, g.OutWidth), layer.Units, pointwise, 1));
                    break;
                default:
                    yield return (Geometry(layer), "global::Unroll.Pool2DGeometry",
                        $"new global::Unroll.Pool2DGeometry({Int(input.Channels)}, {Int(input.Height)}, {Int(input.Width)}, {Int(g.KernelHeight)}, {Int(g.KernelWidth)}, {Int(g.Stride)}, {Int(g.Stride)}, {Int(g.PadTop)}, {Int(g.PadLeft)}, {Int(g.OutHeight)}, {Int(g.OutWidth)})");
                    break;
            }
        }

        /// <summary>A layer's parameter tensors, in the order they are listed: weights, then bias, then statistics.</summary>
        private static IEnumerable<ParameterPlan> ParametersOf(CheckedLayer layer)
        {
            var init = layer.HeInit ? "HeNormal" : "GlorotUniform";
            var input = layer.InputShape;
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    yield return new ParameterPlan(Weight(layer), layer.Name + ".weight", new[] { layer.Units, input.Features }, init, true);
                    if (layer.UseBias) yield return new ParameterPlan(Bias(layer), layer.Name + ".bias", new[] { layer.Units }, "Zeros", true);
                    break;
                case LayerKind.Conv2D:
                    yield return new ParameterPlan(Weight(layer), layer.Name + ".weight",
                        new[] { layer.Units, input.Channels / layer.Groups, layer.Window!.KernelHeight, layer.Window.KernelWidth }, init, true);
                    if (layer.UseBias) yield return new ParameterPlan(Bias(layer), layer.Name + ".bias", new[] { layer.Units }, "Zeros", true);
                    break;
                case LayerKind.DepthwiseConv2D:
                    var channels = input.Channels * layer.DepthMultiplier;
                    yield return new ParameterPlan(Weight(layer), layer.Name + ".weight",
                        new[] { channels, 1, layer.Window!.KernelHeight, layer.Window.KernelWidth }, init, true);
                    if (layer.UseBias) yield return new ParameterPlan(Bias(layer), layer.Name + ".bias", new[] { channels }, "Zeros", true);
                    break;
                case LayerKind.SeparableConv2D:
                    var middle = input.Channels * layer.DepthMultiplier;
                    yield return new ParameterPlan(layer.MemberName + "DepthwiseWeight", layer.Name + ".depthwise_weight",
                        new[] { middle, 1, layer.Window!.KernelHeight, layer.Window.KernelWidth }, "GlorotUniform", true);
                    yield return new ParameterPlan(layer.MemberName + "PointwiseWeight", layer.Name + ".pointwise_weight",
                        new[] { layer.Units, middle, 1, 1 }, init, true);
                    if (layer.UseBias) yield return new ParameterPlan(Bias(layer), layer.Name + ".bias", new[] { layer.Units }, "Zeros", true);
                    break;
                case LayerKind.BatchNorm:
                    var c = input.Channels;
                    if (layer.Scale) yield return new ParameterPlan(Weight(layer), layer.Name + ".weight", new[] { c }, "Ones", true);
                    if (layer.Center) yield return new ParameterPlan(Bias(layer), layer.Name + ".bias", new[] { c }, "Zeros", true);
                    yield return new ParameterPlan(layer.MemberName + "RunningMean", layer.Name + ".running_mean", new[] { c }, "Zeros", false);
                    yield return new ParameterPlan(layer.MemberName + "RunningVar", layer.Name + ".running_var", new[] { c }, "Ones", false);
                    break;
            }
        }

        private static string ShapeText(int[] shape) => "(" + string.Join(", ", shape.Select(Int)) + ")";

        private void WriteFields()
        {
            var wroteGeometry = false;
            foreach (var layer in _layers)
            {
                foreach (var (field, type, value) in Geometries(layer))
                {
                    _w.Line($"private static readonly {type} {field} = {value};");
                    wroteGeometry = true;
                }
            }
            if (wroteGeometry) _w.Line();

            _w.Line($"private readonly {Backend} _backend;");
            _w.Line("private readonly int _capacity;");
            _w.Line("private readonly bool _trains; // false for an inference context, which has no gradient buffers");
            _w.Line($"private readonly global::Unroll.UseGuard _useGuard = new global::Unroll.UseGuard({Literal(_network.Type.Name)});");
            if (_hasDropout)
            {
                _w.Line("private readonly int _seed;");
                _w.Line("private ulong _dropoutStep; // advances every training pass, so each pass draws new dropout masks");
            }
            if (_hasDropout || _hasBatchNorm)
                _w.Line($"private bool _lastPassTraining; // whether the last forward pass was a training pass ({(_hasDropout ? "dropout masks" : "")}{(_hasDropout && _hasBatchNorm ? ", " : "")}{(_hasBatchNorm ? "batch statistics" : "")})");
            _w.Line($"private readonly {Buffer} _input;");
            if (_ownsGradient[0]) _w.Line($"private readonly {Buffer} _inputGradient;");
            for (var i = 0; i < _layers.Count; i++)
            {
                var layer = _layers[i];
                if (_owner[i] != i) continue;
                var field = Field(layer);
                _w.Line($"private readonly {Buffer} _{field}Out;");
                if (_ownsGradient[i + 1]) _w.Line($"private readonly {Buffer} _{field}Grad;");
                if (layer.Kind == LayerKind.Dropout) _w.Line($"private readonly {Buffer} _{field}Mask;");
                if (layer.Kind == LayerKind.BatchNorm) _w.Line($"private readonly {Buffer} _{field}Mean, _{field}InvStd;");
                if (layer.Kind == LayerKind.SeparableConv2D)
                {
                    _w.Line($"private readonly {Buffer} _{field}Mid;");
                    if (_needsGradient[i]) _w.Line($"private readonly {Buffer} _{field}MidGrad;");
                }
            }
            if (_needsScratch) _w.Line($"private readonly {Buffer} _gradScratch; // a consumer's gradient before it is added to the others'");
            if (_hasConv) _w.Line($"private readonly {Buffer} _workspace;");
            _w.Line($"private readonly global::Unroll.NetworkOutput[] _outputs;");
            _w.Line();

            foreach (var layer in _layers)
            {
                foreach (var parameter in ParametersOf(layer))
                {
                    _w.Line($"/// <summary><c>{parameter.Name}</c>, {ShapeText(parameter.Shape)}{(parameter.Trainable ? "" : ", not trainable")}.</summary>");
                    _w.Line($"public {Parameter} {parameter.Member} {{ get; }}");
                    _w.Line();
                }
            }
        }

        private void WriteConstructor()
        {
            var name = Naming.Identifier(_network.Type.Name);
            _w.Line("/// <summary>Creates the network with buffers for up to <paramref name=\"capacity\"/> samples and parameters drawn from <paramref name=\"seed\"/>.</summary>");
            _w.Line("/// <param name=\"capacity\">The largest batch a pass can take.</param>");
            _w.Line("/// <param name=\"backend\">The backend whose kernels and buffers to use; <see cref=\"global::Unroll.CpuBackend.Shared\"/> if null.</param>");
            _w.Line("/// <param name=\"seed\">Seed for the initial parameters and the dropout masks.</param>");
            _w.Line($"public {name}(int capacity = 1, {Backend}? backend = null, int seed = 0)");
            _w.Line("    : this(capacity, backend ?? global::Unroll.CpuBackend.Shared, seed, null)");
            _w.Line("{");
            _w.Line("}");
            _w.Line();

            _w.Line("/// <summary>A network that trains (<paramref name=\"weights\"/> null) or an inference context sharing <paramref name=\"weights\"/>' parameters.</summary>");
            _w.Open($"private {name}(int capacity, {Backend} backend, int seed, {_self}? weights)");
            _w.Line("if (capacity < 1)");
            _w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(capacity), capacity, \"The capacity (the largest batch) must be at least 1.\");");
            _w.Line("if (capacity > MaxCapacity)");
            _w.Line($"    throw new global::System.ArgumentOutOfRangeException(nameof(capacity), capacity, global::System.FormattableString.Invariant($\"The capacity {{capacity:N0}} is too large: {InterpolationText(_largestBuffer)} would need {{(long)capacity * {Int(_largestBufferSize)}:N0}} values, more than an array holds (2,147,483,647); the largest capacity for {InterpolationText(_network.Type.Name)} is {{MaxCapacity:N0}}.\"));");
            _w.Line("_backend = backend;");
            _w.Line("_capacity = capacity;");
            _w.Line("_trains = weights is null;");
            if (_hasDropout) _w.Line("_seed = seed;");
            _w.Line();

            var parameters = new List<string>();
            var statistics = new List<string>();
            foreach (var layer in _layers)
                foreach (var parameter in ParametersOf(layer))
                    (parameter.Trainable ? parameters : statistics).Add(parameter.Member);
            _w.Open("if (weights is null)");
            _w.Line("// Parameters in layer order, weight before bias.");
            foreach (var layer in _layers)
            {
                foreach (var parameter in ParametersOf(layer))
                {
                    var trainable = parameter.Trainable ? "" : ", isTrainable: false";
                    _w.Line($"{parameter.Member} = new {Parameter}(_backend, {Literal(parameter.Name)}, new[] {{ {string.Join(", ", parameter.Shape.Select(Int))} }}, global::Unroll.ParameterInit.{parameter.Init}{trainable});");
                }
            }
            _w.Line($"Parameters = global::System.Array.AsReadOnly(new {Parameter}[] {{ {string.Join(", ", parameters)} }});");
            _w.Line("global::Unroll.ParameterInitializer.Initialize(Parameters, seed);");
            if (statistics.Count > 0)
            {
                _w.Line($"Statistics = global::System.Array.AsReadOnly(new {Parameter}[] {{ {string.Join(", ", statistics)} }});");
                _w.Line("global::Unroll.ParameterInitializer.Initialize(Statistics, seed);");
            }
            else
            {
                _w.Line($"Statistics = global::System.Array.Empty<{Parameter}>();");
            }
            _w.Close();
            _w.Open("else");
            _w.Line("// An inference context: the very parameter objects of the network it was made from.");
            foreach (var member in parameters.Concat(statistics)) _w.Line($"{member} = weights.{member};");
            _w.Line("Parameters = weights.Parameters;");
            _w.Line("Statistics = weights.Statistics;");
            _w.Close();
            _w.Line();

            // Gradient buffers (and dropout masks, used only by training passes) exist only on a network that trains.
            string TrainingOnly(string allocation) => $"_trains ? {allocation} : null!";
            _w.Line("// Activations and their gradients, [capacity × size] each, allocated once; an inference context has no gradients.");
            _w.Line($"_input = _backend.Allocate(checked(capacity * {Int(_network.InputShape.Size)}));");
            if (_ownsGradient[0]) _w.Line($"_inputGradient = {TrainingOnly($"_backend.Allocate(checked(capacity * {Int(_network.InputShape.Size)}))")};");
            for (var i = 0; i < _layers.Count; i++)
            {
                var layer = _layers[i];
                var size = Int(layer.OutputShape.Size);
                if (_owner[i] != i)
                {
                    var source = Owner(i) < 0 ? "the network input" : _layers[Owner(i)].Name;
                    _w.Line($"// {layer.Name} is a reshape: it shares {source}'s buffers.");
                    continue;
                }
                var field = Field(layer);
                _w.Line($"_{field}Out = _backend.Allocate(checked(capacity * {size}));");
                if (_ownsGradient[i + 1]) _w.Line($"_{field}Grad = {TrainingOnly($"_backend.Allocate(checked(capacity * {size}))")};");
                if (layer.Kind == LayerKind.Dropout) _w.Line($"_{field}Mask = {TrainingOnly($"_backend.Allocate(checked(capacity * {size}))")};");
                if (layer.Kind == LayerKind.BatchNorm)
                {
                    _w.Line($"_{field}Mean = _backend.Allocate({Int(layer.InputShape.Channels)});");
                    _w.Line($"_{field}InvStd = _backend.Allocate({Int(layer.InputShape.Channels)});");
                }
                if (layer.Kind == LayerKind.SeparableConv2D)
                {
                    var middle = Int(MiddleSize(layer));
                    _w.Line($"_{field}Mid = _backend.Allocate(checked(capacity * {middle}));");
                    if (_needsGradient[i]) _w.Line($"_{field}MidGrad = {TrainingOnly($"_backend.Allocate(checked(capacity * {middle}))")};");
                }
            }
            if (_needsScratch) _w.Line($"_gradScratch = {TrainingOnly($"_backend.Allocate(checked(capacity * {Int(_largest)}))")};");
            if (_hasConv)
            {
                _w.Line();
                _w.Line("// One scratch buffer, large enough for every convolution.");
                _w.Line("var workspace = 0;");
                foreach (var layer in _layers)
                    foreach (var (field, type, _) in Geometries(layer))
                        if (type == "global::Unroll.Conv2DGeometry")
                            _w.Line($"workspace = global::System.Math.Max(workspace, WorkspaceLength(in {field}, capacity, {Literal(layer.Name)}));");
                _w.Line("_workspace = _backend.Allocate(workspace);");
            }
            _w.Line();
            _w.Line("// Outputs, main output first, each with its loss weight.");
            _w.Line($"_outputs = new global::Unroll.NetworkOutput[]");
            _w.Line("{");
            for (var k = 0; k < _outputs.Length; k++)
            {
                var node = _outputs[k];
                var layer = _layers[node];
                var activation = _logitsOwner[k] != int.MinValue ? layer.Activation : Activation.Linear;
                var logits = _logitsOwner[k] != int.MinValue ? Out(layer.Inputs[0]) : Out(node);
                var weight = _network.Outputs.Count == 0 ? 1.0 : _network.Outputs[k].LossWeight;
                _w.Line($"    new global::Unroll.NetworkOutput({Literal(layer.Name)}, {Out(node)}, {logits}, global::Unroll.Activation.{activation}, {GradField(node)}, {Float(weight)}),");
            }
            _w.Line("};");
            _w.Close();
            _w.Line();

            _w.Line("/// <summary>Creates the network; the same as the constructor, for generic code.</summary>");
            _w.Line($"public static {_self} Create(int capacity, {Backend} backend, int seed) => new {_self}(capacity, backend, seed);");
            _w.Line();
            _w.Line("/// <summary>");
            _w.Line("/// A new instance that shares this network's parameters (no copy) but owns its activation buffers, for up to");
            _w.Line("/// <paramref name=\"capacity\"/> samples: give each thread its own to run inference concurrently on one copy of the weights.");
            _w.Line("/// It runs <c>Forward(batch, training: false)</c> only, and sees later changes to the weights: do not train while contexts run.");
            _w.Line("/// </summary>");
            _w.Line($"public {_self} CreateInferenceContext(int capacity = 1) => new {_self}(capacity, _backend, 0, this);");
            _w.Line();
        }

        private void WriteProperties()
        {
            var main = MainOutput;
            var final = _layers[main];
            var outputActivation = _logitsOwner[0] != int.MinValue ? final.Activation : Activation.Linear;
            _w.Line("/// <inheritdoc/>");
            _w.Line($"public {Backend} Backend => _backend;");
            _w.Line();
            _w.Line("/// <inheritdoc/>");
            _w.Line("public int Capacity => _capacity;");
            _w.Line();
            _w.Line("/// <inheritdoc/>");
            _w.Line("public bool IsInferenceContext => !_trains;");
            _w.Line();
            _w.Line("/// <inheritdoc/>");
            _w.Line("global::Unroll.UseGuard global::Unroll.INetwork.UseGuard => _useGuard;");
            _w.Line();
            _w.Line("/// <inheritdoc/>");
            _w.Line($"public global::System.Collections.Generic.IReadOnlyList<{Parameter}> Parameters {{ get; }}");
            _w.Line();
            _w.Line("/// <inheritdoc/>");
            _w.Line($"public global::System.Collections.Generic.IReadOnlyList<{Parameter}> Statistics {{ get; }}");
            _w.Line();
            _w.Line("/// <inheritdoc/>");
            _w.Line("public global::System.Collections.Generic.IReadOnlyList<global::Unroll.NetworkOutput> Outputs => _outputs;");
            _w.Line();
            _w.Line($"/// <summary>Input samples, [capacity, {Int(_network.InputShape.Size)}].</summary>");
            _w.Line($"public {Buffer} Input => _input;");
            _w.Line();
            _w.Line($"/// <summary>Output of {final.Name}, [capacity, {Int(_network.OutputShape.Size)}].</summary>");
            _w.Line($"public {Buffer} Output => {Out(main)};");
            _w.Line();
            if (_logitsOwner[0] != int.MinValue)
            {
                _w.Line($"/// <summary>The input of the final {final.Activation} ({final.Name}).</summary>");
                _w.Line($"public {Buffer} Logits => {Out(final.Inputs[0])};");
            }
            else
            {
                _w.Line("/// <summary>The network does not end in softmax or sigmoid, so this is <see cref=\"Output\"/>.</summary>");
                _w.Line($"public {Buffer} Logits => {Out(main)};");
            }
            _w.Line();
            _w.Line("/// <inheritdoc/>");
            _w.Line($"public {Buffer} OutputGradient => {GradField(main)};");
            _w.Line();
            _w.Line("/// <inheritdoc/>");
            _w.Line($"public global::Unroll.Activation OutputActivation => global::Unroll.Activation.{outputActivation};");
            _w.Line();
        }

        private void WriteBatchCheck()
        {
            _w.Line("if (batch < 1 || batch > _capacity)");
            _w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(batch), batch, \"The batch must be between 1 and the network's capacity, \" + _capacity + \".\");");
        }

        private string Describe(CheckedLayer layer)
        {
            var output = layer.OutputShape.ToString();
            var bias = layer.UseBias ? "" : ", no bias";
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    return $"Dense {Int(layer.InputShape.Features)}→{Int(layer.Units)}{bias} → {output}";
                case LayerKind.Conv2D:
                    var g = layer.Window!;
                    var groups = layer.Groups == 1 ? "" : $", groups {Int(layer.Groups)}";
                    return $"Conv2D {Int(layer.InputShape.Channels)}→{Int(layer.Units)}, {Int(g.KernelHeight)}×{Int(g.KernelWidth)}, stride {Int(g.Stride)}, {g.PaddingText}{groups}{bias} → {output}";
                case LayerKind.DepthwiseConv2D:
                case LayerKind.SeparableConv2D:
                    var d = layer.Window!;
                    var to = layer.Kind == LayerKind.SeparableConv2D ? $"→{Int(layer.Units)}" : "";
                    return $"{layer.Kind} {Int(layer.InputShape.Channels)}{to}, {Int(d.KernelHeight)}×{Int(d.KernelWidth)}, multiplier {Int(layer.DepthMultiplier)}, stride {Int(d.Stride)}, {d.PaddingText}{bias} → {output}";
                case LayerKind.MaxPool2D:
                case LayerKind.AvgPool2D:
                    var p = layer.Window!;
                    return $"{layer.Kind} {Int(p.KernelHeight)}×{Int(p.KernelWidth)}, stride {Int(p.Stride)}, {p.PaddingText} → {output}";
                case LayerKind.Flatten:
                    return $"Flatten {layer.InputShape} → {output}";
                case LayerKind.Dropout:
                    return $"Dropout {layer.Value.ToString("R", CultureInfo.InvariantCulture)} → {output}";
                case LayerKind.Scale:
                    return $"Scale ×{layer.Value.ToString("R", CultureInfo.InvariantCulture)} → {output}";
                case LayerKind.BatchNorm:
                    return $"BatchNorm momentum {layer.Value.ToString("R", CultureInfo.InvariantCulture)}, ε {layer.Epsilon.ToString("R", CultureInfo.InvariantCulture)}{(layer.Scale ? "" : ", no scale")}{(layer.Center ? "" : ", no center")} → {output}";
                case LayerKind.GlobalAvgPool2D:
                    return $"GlobalAvgPool2D {layer.InputShape} → {output}";
                case LayerKind.ZeroPadding2D:
                    return $"ZeroPadding2D {layer.InputShape} → {output}";
                case LayerKind.Add:
                case LayerKind.Concat:
                    return $"{layer.Kind} of {string.Join(", ", layer.Inputs.Select(InputName))} → {output}";
                default:
                    var alpha = layer.Activation is Activation.LeakyRelu or Activation.Elu
                        ? " α=" + layer.Value.ToString("R", CultureInfo.InvariantCulture)
                        : "";
                    return $"{layer.Activation}{alpha} → {output}";
            }
        }

        private string InputName(int node) => node < 0 ? "input" : _layers[node].Name;

        private static string Optional(string member, bool present, string part) => present ? $"{member}.{part}" : "null";

        private void WriteForward()
        {
            _w.Line("/// <inheritdoc/>");
            _w.Open("public void Forward(int batch, bool training)");
            WriteBatchCheck();
            _w.Line("if (training && !_trains)");
            _w.Line($"    throw new global::System.InvalidOperationException(\"This {LiteralText(_network.Type.Name)} is an inference context: it runs Forward(batch, training: false) only. Train the network it was created from.\");");
            _w.Line("using var exclusive = _useGuard.Enter(\"Forward\");");
            if (_hasDropout) _w.Line("if (training) _dropoutStep++;");
            if (_hasDropout || _hasBatchNorm) _w.Line("_lastPassTraining = training;");
            for (var i = 0; i < _layers.Count; i++)
            {
                var layer = _layers[i];
                var input = Out(layer.Inputs[0]);
                var output = Out(i);
                var size = Int(layer.OutputShape.Size);
                var field = Field(layer);
                var inShape = layer.InputShape;
                _w.Line();
                _w.Line($"// {layer.Name}: {Describe(layer)}");
                switch (layer.Kind)
                {
                    case LayerKind.Dense:
                        _w.Line($"_backend.DenseForward({input}, {Weight(layer)}.Value, {Optional(Bias(layer), layer.UseBias, "Value")}, {output}, batch, {Int(inShape.Features)}, {Int(layer.Units)});");
                        break;
                    case LayerKind.Conv2D:
                    case LayerKind.DepthwiseConv2D:
                        _w.Line($"_backend.Conv2DForward({input}, {Weight(layer)}.Value, {Optional(Bias(layer), layer.UseBias, "Value")}, {output}, _workspace, batch, in {Geometry(layer)});");
                        break;
                    case LayerKind.SeparableConv2D:
                        _w.Line($"_backend.Conv2DForward({input}, {layer.MemberName}DepthwiseWeight.Value, null, _{field}Mid, _workspace, batch, in {Geometry(layer, "Depthwise")});");
                        _w.Line($"_backend.Conv2DForward(_{field}Mid, {layer.MemberName}PointwiseWeight.Value, {Optional(Bias(layer), layer.UseBias, "Value")}, {output}, _workspace, batch, in {Geometry(layer, "Pointwise")});");
                        break;
                    case LayerKind.MaxPool2D:
                        _w.Line($"_backend.MaxPool2DForward({input}, {output}, batch, in {Geometry(layer)});");
                        break;
                    case LayerKind.AvgPool2D:
                        _w.Line($"_backend.AvgPool2DForward({input}, {output}, batch, in {Geometry(layer)});");
                        break;
                    case LayerKind.GlobalAvgPool2D:
                        _w.Line($"_backend.GlobalAvgPool2DForward({input}, {output}, batch, {Int(inShape.Channels)}, {Int(Spatial(inShape))});");
                        break;
                    case LayerKind.ZeroPadding2D:
                        _w.Line($"_backend.ZeroPadding2DForward({input}, {output}, batch, {Int(inShape.Channels)}, {Int(inShape.Height)}, {Int(inShape.Width)}, {Int(layer.PadTop)}, {Int(layer.PadLeft)}, {Int(layer.OutputShape.Height)}, {Int(layer.OutputShape.Width)});");
                        break;
                    case LayerKind.BatchNorm:
                        _w.Line($"_backend.BatchNormForward({input}, {Optional(Weight(layer), layer.Scale, "Value")}, {Optional(Bias(layer), layer.Center, "Value")}, {layer.MemberName}RunningMean.Value, {layer.MemberName}RunningVar.Value, {output}, _{field}Mean, _{field}InvStd, batch, {Int(inShape.Channels)}, {Int(Spatial(inShape))}, {Float(layer.Value)}, {Float(layer.Epsilon)}, training);");
                        break;
                    case LayerKind.Add:
                        _w.Line($"_backend.Add({Out(layer.Inputs[0])}, {Out(layer.Inputs[1])}, {output}, batch * {size});");
                        break;
                    case LayerKind.Concat:
                        var offset = 0;
                        foreach (var j in layer.Inputs)
                        {
                            var channels = j < 0 ? _network.InputShape.Channels : _layers[j].OutputShape.Channels;
                            _w.Line($"_backend.ConcatChannelsForward({Out(j)}, {output}, batch, {Int(channels)}, {Int(layer.OutputShape.Channels)}, {Int(offset)}, {Int(Spatial(layer.OutputShape))});");
                            offset += channels;
                        }
                        break;
                    case LayerKind.Flatten:
                        _w.Line($"// (a reshape: {output} is already laid out as {layer.OutputShape}; nothing to do)");
                        break;
                    case LayerKind.Scale:
                        _w.Line($"_backend.Scale({input}, {output}, {Float(layer.Value)}, batch * {size});");
                        break;
                    case LayerKind.Dropout:
                        _w.Line("if (training)");
                        _w.Line($"    _backend.DropoutForward({input}, {output}, _{field}Mask, {Float(layer.Value)}, DropoutSeed({Int(i)}), batch * {size});");
                        _w.Line("else");
                        _w.Line($"    _backend.Copy({input}, {output}, batch * {size});");
                        break;
                    default:
                        _w.Line($"_backend.ActivationForward(global::Unroll.Activation.{layer.Activation}, {Float(layer.Value)}, {input}, {output}, batch, {size});");
                        break;
                }
            }
            _w.Close();
            _w.Line();
        }

        // Backward state: which owners' gradient buffers already hold a gradient (outputs are seeded by the caller), and
        // the owners whose gradient is the fused path's local variable.
        private bool[] _written = System.Array.Empty<bool>();
        private readonly Dictionary<int, string> _gradientVariables = new();

        private string GradRef(int node)
            => Owner(node) >= 0 && _gradientVariables.TryGetValue(Owner(node), out var variable) ? variable : GradField(node);

        /// <summary>
        /// Where a backward call writes the gradient for input <paramref name="node"/>: its gradient buffer if nothing wrote
        /// it yet in this pass, else the scratch buffer, added in afterwards by <see cref="Accumulate"/>. Null if not needed.
        /// </summary>
        private string? Target(int node)
        {
            var owner = Owner(node);
            if (owner < 0 ? !_ownsGradient[0] || !NeedsInputGradient() : !_needsGradient[owner]) return null;
            if (!_written[owner + 1]) return GradRef(node);
            return "_gradScratch";
        }

        private bool NeedsInputGradient() => false; // the network input's gradient is never asked for

        private void Accumulate(int node, string? target)
        {
            if (target is null) return;
            var owner = Owner(node);
            if (target == "_gradScratch")
                _w.Line($"_backend.AddInPlace(_gradScratch, {GradRef(node)}, batch * {Int(Size(node))});");
            _written[owner + 1] = true;
        }

        private int Size(int node) => node < 0 ? _network.InputShape.Size : _layers[node].OutputShape.Size;

        private void WriteBackward()
        {
            _w.Line("/// <inheritdoc/>");
            _w.Open("public void Backward(int batch, bool outputGradientIsForLogits)");
            WriteBatchCheck();
            _w.Line("if (!_trains)");
            _w.Line($"    throw new global::System.InvalidOperationException(\"This {LiteralText(_network.Type.Name)} is an inference context, which has no gradients. Train the network it was created from.\");");
            _w.Line("using var exclusive = _useGuard.Enter(\"Backward\");");
            if (_hasBatchNorm)
            {
                _w.Line("if (!_lastPassTraining)");
                _w.Line("    throw new global::System.InvalidOperationException(\"Backward needs a training-mode forward pass: this network has BatchNorm layers, whose gradient uses the batch statistics. Call Forward(batch, training: true) first.\");");
            }
            _written = new bool[_layers.Count + 1];
            foreach (var o in _outputs) _written[Owner(o) + 1] = true;
            var multiple = _outputs.Length > 1;

            for (var i = _layers.Count - 1; i >= 0; i--)
            {
                var layer = _layers[i];
                _w.Line();
                _w.Line($"// {layer.Name}: {Describe(layer)}");
                if (layer.Kind == LayerKind.Flatten)
                {
                    _w.Line("// (a reshape: its gradient is already in place)");
                    continue;
                }
                if (!_needsGradient[i])
                {
                    _w.Line("// (no layer before it has parameters, so no gradient is needed here)");
                    continue;
                }

                var input = Out(layer.Inputs[0]);
                var output = Out(i);
                var outputGradient = GradRef(i);
                var size = Int(layer.OutputShape.Size);
                var field = Field(layer);
                var inShape = layer.InputShape;

                var k = System.Array.IndexOf(_outputs, i);
                if (k >= 0 && _logitsOwner[k] != int.MinValue)
                {
                    // The fused path: a loss that pairs with softmax/sigmoid hands over dL/dLogits in this output's gradient.
                    var logits = layer.Inputs[0];
                    var variable = k == 0 ? "logitsGradient" : $"logitsGradient{Int(k + 1)}";
                    var alone = Owner(logits) >= 0 && _consumers[Owner(logits)].Count == 1 && !_written[Owner(logits) + 1];
                    if (alone)
                    {
                        _w.Line($"{Buffer} {variable};");
                        _w.Line($"if (outputGradientIsForLogits{(multiple ? "" : "")})");
                        _w.Line("{");
                        _w.Line($"    // {(k == 0 ? "OutputGradient" : $"Outputs[{Int(k)}].OutputGradient")} already holds the gradient for the logits: skip {layer.Name}'s backward.");
                        _w.Line($"    {variable} = {outputGradient};");
                        _w.Line("}");
                        _w.Line("else");
                        _w.Line("{");
                        _w.Line($"    _backend.ActivationBackward(global::Unroll.Activation.{layer.Activation}, {Float(layer.Value)}, {input}, {output}, {outputGradient}, {GradField(logits)}, batch, {size});");
                        _w.Line($"    {variable} = {GradField(logits)};");
                        _w.Line("}");
                        _gradientVariables[Owner(logits)] = variable;
                        _written[Owner(logits) + 1] = true;
                    }
                    else
                    {
                        var target = Target(logits);
                        if (target is null) continue;
                        _w.Line("if (outputGradientIsForLogits)");
                        _w.Line($"    _backend.Copy({outputGradient}, {target}, batch * {size});");
                        _w.Line("else");
                        _w.Line($"    _backend.ActivationBackward(global::Unroll.Activation.{layer.Activation}, {Float(layer.Value)}, {input}, {output}, {outputGradient}, {target}, batch, {size});");
                        Accumulate(logits, target);
                    }
                    continue;
                }

                switch (layer.Kind)
                {
                    case LayerKind.Add:
                    case LayerKind.Concat:
                    {
                        // Each input's gradient: Add passes the output gradient on; Concat slices its channels.
                        var offset = 0;
                        foreach (var j in layer.Inputs)
                        {
                            var channels = j < 0 ? _network.InputShape.Channels : _layers[j].OutputShape.Channels;
                            var target = Target(j);
                            if (target is not null && layer.Kind == LayerKind.Add)
                            {
                                if (target == "_gradScratch")
                                {
                                    _w.Line($"_backend.AddInPlace({outputGradient}, {GradRef(j)}, batch * {size});");
                                    _written[Owner(j) + 1] = true;
                                    continue;
                                }
                                _w.Line($"_backend.Copy({outputGradient}, {target}, batch * {size});");
                            }
                            else if (target is not null)
                            {
                                _w.Line($"_backend.ConcatChannelsBackward({outputGradient}, {target}, batch, {Int(channels)}, {Int(layer.OutputShape.Channels)}, {Int(offset)}, {Int(Spatial(layer.OutputShape))});");
                            }
                            Accumulate(j, target);
                            offset += channels;
                        }
                        continue;
                    }
                }

                var inputNode = layer.Inputs[0];
                var inputGradient = Target(inputNode);
                switch (layer.Kind)
                {
                    case LayerKind.Dense:
                        _w.Line($"_backend.DenseBackward({input}, {Weight(layer)}.Value, {outputGradient}, {inputGradient ?? "null"}, {Weight(layer)}.Gradient, {Optional(Bias(layer), layer.UseBias, "Gradient")}, batch, {Int(inShape.Features)}, {Int(layer.Units)});");
                        break;
                    case LayerKind.Conv2D:
                    case LayerKind.DepthwiseConv2D:
                        _w.Line($"_backend.Conv2DBackward({input}, {Weight(layer)}.Value, {outputGradient}, {inputGradient ?? "null"}, {Weight(layer)}.Gradient, {Optional(Bias(layer), layer.UseBias, "Gradient")}, _workspace, batch, in {Geometry(layer)});");
                        break;
                    case LayerKind.SeparableConv2D:
                        _w.Line($"_backend.Conv2DBackward(_{field}Mid, {layer.MemberName}PointwiseWeight.Value, {outputGradient}, _{field}MidGrad, {layer.MemberName}PointwiseWeight.Gradient, {Optional(Bias(layer), layer.UseBias, "Gradient")}, _workspace, batch, in {Geometry(layer, "Pointwise")});");
                        _w.Line($"_backend.Conv2DBackward({input}, {layer.MemberName}DepthwiseWeight.Value, _{field}MidGrad, {inputGradient ?? "null"}, {layer.MemberName}DepthwiseWeight.Gradient, null, _workspace, batch, in {Geometry(layer, "Depthwise")});");
                        break;
                    case LayerKind.BatchNorm:
                        // The kernel always writes an input gradient; when none is needed it goes to the scratch buffer.
                        _w.Line($"_backend.BatchNormBackward({input}, {Optional(Weight(layer), layer.Scale, "Value")}, _{field}Mean, _{field}InvStd, {outputGradient}, {inputGradient ?? "_gradScratch"}, {Optional(Weight(layer), layer.Scale, "Gradient")}, {Optional(Bias(layer), layer.Center, "Gradient")}, batch, {Int(inShape.Channels)}, {Int(Spatial(inShape))});");
                        break;
                    case LayerKind.MaxPool2D:
                        _w.Line($"_backend.MaxPool2DBackward({input}, {outputGradient}, {inputGradient}, batch, in {Geometry(layer)});");
                        break;
                    case LayerKind.AvgPool2D:
                        _w.Line($"_backend.AvgPool2DBackward({outputGradient}, {inputGradient}, batch, in {Geometry(layer)});");
                        break;
                    case LayerKind.GlobalAvgPool2D:
                        _w.Line($"_backend.GlobalAvgPool2DBackward({outputGradient}, {inputGradient}, batch, {Int(inShape.Channels)}, {Int(Spatial(inShape))});");
                        break;
                    case LayerKind.ZeroPadding2D:
                        _w.Line($"_backend.ZeroPadding2DBackward({outputGradient}, {inputGradient}, batch, {Int(inShape.Channels)}, {Int(inShape.Height)}, {Int(inShape.Width)}, {Int(layer.PadTop)}, {Int(layer.PadLeft)}, {Int(layer.OutputShape.Height)}, {Int(layer.OutputShape.Width)});");
                        break;
                    case LayerKind.Scale:
                        _w.Line($"_backend.Scale({outputGradient}, {inputGradient}, {Float(layer.Value)}, batch * {size});");
                        break;
                    case LayerKind.Dropout:
                        // After an inference pass dropout was the identity, and so is its gradient.
                        _w.Line("if (_lastPassTraining)");
                        _w.Line($"    _backend.DropoutBackward(_{field}Mask, {outputGradient}, {inputGradient}, batch * {size});");
                        _w.Line("else");
                        _w.Line($"    _backend.Copy({outputGradient}, {inputGradient}, batch * {size});");
                        break;
                    default:
                        _w.Line($"_backend.ActivationBackward(global::Unroll.Activation.{layer.Activation}, {Float(layer.Value)}, {input}, {output}, {outputGradient}, {inputGradient}, batch, {size});");
                        break;
                }
                Accumulate(inputNode, inputGradient);
            }
            _w.Close();
        }

        private void WriteWorkspaceLength()
        {
            _w.Line();
            _w.Line("/// <summary>The backend's workspace for one convolution, with an error naming the layer when it would not fit in an array.</summary>");
            _w.Open("private int WorkspaceLength(in global::Unroll.Conv2DGeometry geometry, int capacity, string layer)");
            _w.Line("global::System.OverflowException? overflow = null;");
            _w.Line("var length = -1;");
            _w.Line("try");
            _w.Line("{");
            _w.Line("    length = _backend.Conv2DWorkspaceLength(in geometry, capacity);");
            _w.Line("}");
            _w.Line("catch (global::System.OverflowException e)");
            _w.Line("{");
            _w.Line("    overflow = e;");
            _w.Line("}");
            _w.Line("if (length >= 0) return length;");
            _w.Line("throw new global::System.ArgumentException(global::System.FormattableString.Invariant($\"The capacity {capacity:N0} is too large: {layer}'s convolution workspace would need more values than an array holds (2,147,483,647); use a smaller capacity.\"), nameof(capacity), overflow);");
            _w.Close();
        }

        private void WriteDropoutSeed()
        {
            _w.Line();
            _w.Line("/// <summary>A dropout layer's seed for this training pass: SplitMix64 over (network seed, pass, layer), so runs repeat exactly.</summary>");
            _w.Open("private ulong DropoutSeed(int layer)");
            _w.Line("ulong z = unchecked((ulong)(uint)_seed * 0x9E3779B97F4A7C15UL + _dropoutStep * 0xBF58476D1CE4E5B9UL + (ulong)layer);");
            _w.Line("z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);");
            _w.Line("z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);");
            _w.Line("return z ^ (z >> 31);");
            _w.Close();
        }
    }
}
