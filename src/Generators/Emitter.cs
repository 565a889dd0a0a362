using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using Unroll.Generators.Layers;
using Unroll.Generators.Model;
using Unroll.Generators.Planning;

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

    private static string Int(int value) => StepWriter.Int(value);

    internal static string Float(double value) => StepWriter.Float(value);

    private static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Long(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

    private static string Literal(string value) => StepWriter.Literal(value);

    /// <summary>Text for the inside of an interpolated string literal: escaped as a literal, braces doubled.</summary>
    private static string InterpolationText(string text) => LiteralText(text).Replace("{", "{{").Replace("}", "}}");

    /// <summary>Text for the inside of a string literal: escaped, without the quotes.</summary>
    private static string LiteralText(string text) => SymbolDisplay.FormatLiteral(text, quote: false);

    private static string XmlEscape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private sealed class NetworkWriter
    {
        private readonly CheckedNetwork _network;
        private readonly IReadOnlyList<CheckedLayer> _layers;
        private readonly ExecutionPlan _plan;
        private SourceWriter _w = new();
        private readonly SortedSet<string> _forwardOperations = new(System.StringComparer.Ordinal);
        private readonly SortedSet<string> _backwardOperations = new(System.StringComparer.Ordinal);
        private readonly string _self;
        private readonly bool _hasDropout;
        private readonly bool _hasConv;
        private readonly string[] _trainingState;     // what training passes leave for backward (dropout masks, batch statistics)
        private readonly string? _backwardNeedsTraining;
        private readonly int _largestBufferSize;
        private readonly string _largestBuffer;

        public NetworkWriter(CheckedNetwork network)
        {
            _network = network;
            _layers = network.Layers;
            _self = network.Type.FullName;
            _plan = new ExecutionPlan(network);
            _hasDropout = _layers.Any(l => l.Layer.IsRandom);
            _hasConv = _layers.Any(l => l.Layer.UsesWorkspace);
            _trainingState = _layers.Select(l => l.Layer.TrainingState).OfType<string>().Distinct().ToArray();
            _backwardNeedsTraining = _layers.Select(l => l.Layer.BackwardNeedsTrainingPass).FirstOrDefault(t => t is not null);

            // The largest per-sample buffer, allocated as capacity × its size, bounds the capacity (the first such, by name).
            (_largestBufferSize, _largestBuffer) = (network.InputShape.Size, "the input");
            for (var i = 0; i < _layers.Count; i++)
            {
                var layer = _layers[i];
                if (_plan.Owner[i] == i && layer.OutputShape.Size > _largestBufferSize)
                    (_largestBufferSize, _largestBuffer) = (layer.OutputShape.Size, layer.Name + "'s output");
                foreach (var extra in layer.Layer.Buffers(layer))
                    if (extra.PerSample && extra.Description is not null && extra.Length > _largestBufferSize)
                        (_largestBufferSize, _largestBuffer) = (extra.Length, layer.Name + "'s " + extra.Description);
            }
        }

        private int Owner(int node) => _plan.OwnerOf(node);

        private string Out(int node) => Owner(node) < 0 ? "_input" : $"_{Field(_layers[Owner(node)])}Out";

        private string GradField(int node) => Owner(node) < 0 ? "_inputGradient" : $"_{Field(_layers[Owner(node)])}Grad";

        private static string Field(CheckedLayer layer) => Naming.CamelCase(layer.MemberName);

        private static string GeometryField(CheckedLayer layer, GeometryInfo geometry) => $"s_{Field(layer)}{geometry.Part}Geometry";

        private static string BufferField(CheckedLayer layer, BufferInfo buffer) => $"_{Field(layer)}{buffer.Suffix}";

        private int MainOutput => _plan.Outputs[0];

        /// <summary>A layer's extra buffers that exist: gradient-only ones only where its backward runs.</summary>
        private IEnumerable<BufferInfo> BuffersOf(CheckedLayer layer)
            => layer.Layer.Buffers(layer).Where(b => !b.GradientOnly || _plan.NeedsGradient[layer.Index]);

        /// <summary>A layer's parameters with their C# members, checked against the suffixes its unit declares.</summary>
        private static IEnumerable<(string Member, string Name, ParameterInfo Info)> ParametersOf(CheckedLayer layer)
        {
            foreach (var parameter in layer.Layer.Parameters(layer))
            {
                if (System.Array.IndexOf(layer.Layer.Members.Parameters, parameter.Suffix) < 0)
                    throw new System.InvalidOperationException($"{layer.Layer.Kind} declares the parameter '{parameter.Suffix}' without listing it in its Members");
                yield return (layer.MemberName + parameter.Suffix, layer.Name + "." + parameter.Name, parameter);
            }
        }

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
            // The passes first, so that the constructor knows the backend operations they call.
            var forward = Rendered(WriteForward);
            var backward = Rendered(WriteBackward);
            WriteConstants();
            WriteLayerConstants();
            WriteFields();
            WriteConstructor();
            WriteProperties();
            _w.Raw(forward);
            _w.Raw(backward);
            WriteOnnx();
            if (_hasDropout) WriteDropoutSeed();
            if (_hasConv) WriteWorkspaceLength();
            _w.Close();

            foreach (var _ in type.ContainingTypes) _w.Close();
            if (type.Namespace is not null) _w.Close();
            return _w.ToString();
        }

        /// <summary>What <paramref name="write"/> writes, at the current indent.</summary>
        private string Rendered(System.Action write)
        {
            var outer = _w;
            _w = new SourceWriter(outer.Indent);
            write();
            var text = _w.ToString();
            _w = outer;
            return text;
        }

        private void WriteDocumentation()
        {
            _w.Line("/// <remarks>");
            _w.Line($"/// Generated network: input {_network.InputShape}, output {_network.OutputShape}, {Grouped(_network.ParameterCount)} parameters;");
            _w.Line($"/// one sample's forward pass takes {Grouped(_network.MultiplyAdds)} multiply-adds and writes {Grouped(_network.ActivationBytes)} bytes of activations.");
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
            _w.Line("/// <summary>Multiply-adds of one sample's forward pass, counted at compile time (an addition, comparison or exponential counts as one).</summary>");
            _w.Line($"public const long MultiplyAdds = {Long(_network.MultiplyAdds)};");
            _w.Line();
            _w.Line("/// <summary>Bytes of activations one sample's forward pass writes, 4 a value: layer outputs (reshapes share their input's) and the buffers layers fill on the way (recurrent states).</summary>");
            _w.Line($"public const long ActivationBytes = {Long(_network.ActivationBytes)};");
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

        private static string ShapeList(Shape shape) => "[" + string.Join(", ", shape.Dims.Select(Int)) + "]";

        private void WriteLayerConstants()
        {
            _w.Line("/// <summary>Each layer's name, output shape, parameter count and cost, as constants.</summary>");
            _w.Open("public static class Layers");
            for (var i = 0; i < _layers.Count; i++)
            {
                var layer = _layers[i];
                var shape = layer.OutputShape;
                if (i > 0) _w.Line();
                _w.Line($"/// <summary><c>{layer.Name}</c> ({layer.Layer.KerasType}): output {shape}, {Grouped(layer.ParameterCount)} parameters, {Grouped(layer.MultiplyAdds)} multiply-adds a sample.</summary>");
                _w.Open($"public static class {Naming.LayerClassName(layer.MemberName)}");
                _w.Line($"public const string Name = {Literal(layer.Name)};");
                var axes = Shape.Axes(shape.Rank);
                for (var axis = 0; axis < shape.Rank; axis++)
                    _w.Line($"public const int {Naming.PascalCase(axes[axis])} = {Int(shape[axis])};");
                _w.Line($"public const int Size = {Int(shape.Size)};");
                _w.Line($"public const int ParameterCount = {Int(layer.ParameterCount)};");
                _w.Line($"public const long MultiplyAdds = {Long(layer.MultiplyAdds)};");
                _w.Line($"public const long ActivationBytes = {Long(layer.ActivationBytes)};");
                _w.Close();
            }
            _w.Close();
            _w.Line();
        }

        private static string ShapeText(int[] shape) => "(" + string.Join(", ", shape.Select(Int)) + ")";

        private void WriteFields()
        {
            var wroteGeometry = false;
            foreach (var layer in _layers)
            {
                foreach (var geometry in layer.Layer.Geometries(layer))
                {
                    _w.Line($"private static readonly {geometry.Type} {GeometryField(layer, geometry)} = {geometry.Value};");
                    wroteGeometry = true;
                }
            }
            if (wroteGeometry) _w.Line();

            var training = _forwardOperations.Union(_backwardOperations).OrderBy(o => o, System.StringComparer.Ordinal);
            _w.Line("// The backend operations each kind of instance calls: the constructor checks that the backend supports them all.");
            _w.Line($"private static readonly string[] s_inferenceOperations = {{ {string.Join(", ", _forwardOperations.Select(Literal))} }};");
            _w.Line($"private static readonly string[] s_trainingOperations = {{ {string.Join(", ", training.Select(Literal))} }};");
            _w.Line();
            _w.Line($"private readonly {Backend} _backend;");
            _w.Line("private readonly int _capacity;");
            _w.Line("private readonly bool _trains; // false for an inference context, which has no gradient buffers");
            _w.Line($"private readonly global::Unroll.UseGuard _useGuard = new global::Unroll.UseGuard({Literal(_network.Type.Name)});");
            if (_hasDropout)
            {
                _w.Line("private readonly int _seed;");
                _w.Line("private ulong _dropoutStep; // advances every training pass, so each pass draws new dropout masks");
            }
            if (_trainingState.Length > 0)
                _w.Line($"private bool _lastPassTraining; // whether the last forward pass was a training pass ({string.Join(", ", _trainingState)})");
            _w.Line($"private readonly {Buffer} _input;");
            if (_plan.OwnsGradient[0]) _w.Line($"private readonly {Buffer} _inputGradient;");
            for (var i = 0; i < _layers.Count; i++)
            {
                var layer = _layers[i];
                if (_plan.Owner[i] != i) continue;
                var field = Field(layer);
                _w.Line($"private readonly {Buffer} _{field}Out;");
                if (_plan.OwnsGradient[i + 1]) _w.Line($"private readonly {Buffer} _{field}Grad;");
                foreach (var buffer in BuffersOf(layer)) _w.Line($"private readonly {Buffer} {BufferField(layer, buffer)};");
            }
            if (_plan.NeedsScratch) _w.Line($"private readonly {Buffer} _gradScratch; // a consumer's gradient before it is added to the others'");
            if (_hasConv) _w.Line($"private readonly {Buffer} _workspace;");
            _w.Line($"private readonly global::Unroll.NetworkOutput[] _outputs;");
            _w.Line();

            foreach (var layer in _layers)
            {
                foreach (var (member, name, parameter) in ParametersOf(layer))
                {
                    _w.Line($"/// <summary><c>{name}</c>, {ShapeText(parameter.Shape)}{(parameter.Trainable ? "" : ", not trainable")}.</summary>");
                    _w.Line($"public {Parameter} {member} {{ get; }}");
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
            _w.Line("global::Unroll.BackendSupport.Require(backend, " + Literal(_network.Type.Name) + ", weights is null ? s_trainingOperations : s_inferenceOperations, training: weights is null);");
            _w.Line("_backend = backend;");
            _w.Line("_capacity = capacity;");
            _w.Line("_trains = weights is null;");
            if (_hasDropout) _w.Line("_seed = seed;");
            _w.Line();

            var parameters = new List<string>();
            var statistics = new List<string>();
            foreach (var layer in _layers)
                foreach (var (member, _, parameter) in ParametersOf(layer))
                    (parameter.Trainable ? parameters : statistics).Add(member);
            _w.Open("if (weights is null)");
            _w.Line("// Parameters in layer order, weight before bias.");
            foreach (var layer in _layers)
            {
                foreach (var (member, parameterName, parameter) in ParametersOf(layer))
                {
                    var trainable = parameter.Trainable ? "" : ", isTrainable: false";
                    _w.Line($"{member} = new {Parameter}(_backend, {Literal(parameterName)}, new[] {{ {string.Join(", ", parameter.Shape.Select(Int))} }}, global::Unroll.ParameterInit.{parameter.Init}{trainable});");
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

            WriteAllocations();
            if (_hasConv)
            {
                _w.Line();
                _w.Line("// One scratch buffer, large enough for every convolution.");
                _w.Line("var workspace = 0;");
                foreach (var layer in _layers)
                    foreach (var geometry in layer.Layer.Geometries(layer))
                        if (geometry.Type == GeometryInfo.Conv2D)
                            _w.Line($"workspace = global::System.Math.Max(workspace, WorkspaceLength(in {GeometryField(layer, geometry)}, capacity, {Literal(layer.Name)}));");
                _w.Line("_workspace = _backend.Allocate(workspace);");
            }
            _w.Line();
            _w.Line("// Outputs, main output first, each with its loss weight.");
            _w.Line($"_outputs = new global::Unroll.NetworkOutput[]");
            _w.Line("{");
            for (var k = 0; k < _plan.Outputs.Length; k++)
            {
                var node = _plan.Outputs[k];
                var layer = _layers[node];
                var fused = _plan.FusedLogits[k] != ExecutionPlan.NotFused;
                var activation = fused ? layer.Layer.FusableOutputActivation!.Value : Activation.Linear;
                var logits = fused ? Out(layer.Inputs[0]) : Out(node);
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

        /// <summary>
        /// Activation, gradient and extra buffers. A network that trains gives every activation a buffer of its own (backward
        /// reads them all); an inference context puts activations whose lifetimes do not overlap in shared slots, as planned.
        /// </summary>
        private void WriteAllocations()
        {
            // Two straight runs rather than a conditional per buffer: the trim analyzers' time grows with a method's branches.
            _w.Open("if (_trains)");
            _w.Line("// Every activation has a buffer of its own and a gradient, [capacity × size] each, allocated once: backward reads them all.");
            WriteAllocations(training: true);
            _w.Close();
            _w.Open("else");
            if (_plan.SlotSizes.Count > 0)
            {
                _w.Line($"// An inference context keeps only what is live: activations whose lifetimes do not overlap share {Int(_plan.SlotSizes.Count)} slots,");
                _w.Line($"// so it holds {Grouped(_plan.SharedInferenceSize)} activation values a sample (outputs included) instead of {Grouped(_plan.UnsharedInferenceSize)}; it has no gradients.");
                for (var s = 0; s < _plan.SlotSizes.Count; s++)
                    _w.Line($"var slot{Int(s + 1)} = {AllocatePerSample(_plan.SlotSizes[s])};");
            }
            else
            {
                _w.Line("// An inference context has no gradients.");
            }
            WriteAllocations(training: false);
            _w.Close();
        }

        private static string AllocatePerSample(int size) => $"_backend.Allocate(checked(capacity * {Int(size)}))";

        private void WriteAllocations(bool training)
        {
            string TrainingOnly(int size) => training ? AllocatePerSample(size) : "null!";
            string Planned(int size, int slot) => training || slot < 0 ? AllocatePerSample(size) : $"slot{Int(slot + 1)}";

            _w.Line($"_input = {AllocatePerSample(_network.InputShape.Size)};");
            if (_plan.OwnsGradient[0]) _w.Line($"_inputGradient = {TrainingOnly(_network.InputShape.Size)};");
            for (var i = 0; i < _layers.Count; i++)
            {
                var layer = _layers[i];
                var size = layer.OutputShape.Size;
                if (_plan.Owner[i] != i)
                {
                    var source = Owner(i) < 0 ? "the network input" : _layers[Owner(i)].Name;
                    _w.Line($"// {layer.Name} is a reshape: it shares {source}'s buffers.");
                    continue;
                }
                var field = Field(layer);
                _w.Line($"_{field}Out = {Planned(size, _plan.InferenceSlot[i])};");
                if (_plan.OwnsGradient[i + 1]) _w.Line($"_{field}Grad = {TrainingOnly(size)};");
                foreach (var buffer in BuffersOf(layer))
                {
                    var allocation = !buffer.PerSample ? $"_backend.Allocate({Int(buffer.Length)})"
                        : buffer.TrainingOnly ? TrainingOnly(buffer.Length)
                        : Planned(buffer.Length, _plan.ExtraSlot[(i, buffer.Suffix)]);
                    _w.Line($"{BufferField(layer, buffer)} = {allocation};");
                }
            }
            if (_plan.NeedsScratch) _w.Line($"_gradScratch = {TrainingOnly(_plan.ScratchSize)};");
        }

        private void WriteProperties()
        {
            var main = MainOutput;
            var final = _layers[main];
            var fused = _plan.FusedLogits[0] != ExecutionPlan.NotFused;
            var outputActivation = fused ? final.Layer.FusableOutputActivation!.Value : Activation.Linear;
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
            _w.Line("public global::Unroll.IGradientListener? GradientListener { get; set; }");
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
            if (fused)
            {
                _w.Line($"/// <summary>The input of the final {outputActivation} ({final.Name}).</summary>");
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

        private string InputName(int node) => node < 0 ? "input" : _layers[node].Name;

        private string Describe(CheckedLayer layer) => layer.Layer.Describe(layer, InputName);

        private void WriteForward()
        {
            _w.Line("/// <inheritdoc/>");
            _w.Open("public void Forward(int batch, bool training)");
            WriteBatchCheck();
            _w.Line("if (training && !_trains)");
            _w.Line($"    throw new global::System.InvalidOperationException(\"This {LiteralText(_network.Type.Name)} is an inference context: it runs Forward(batch, training: false) only. Train the network it was created from.\");");
            _w.Line("using var exclusive = _useGuard.Enter(\"Forward\");");
            if (_hasDropout) _w.Line("if (training) _dropoutStep++;");
            if (_trainingState.Length > 0) _w.Line("_lastPassTraining = training;");
            WriteSteps("Forward", "int batch, bool training", "batch, training", Enumerable.Range(0, _layers.Count), i =>
            {
                var layer = _layers[i];
                _w.Line($"// {layer.Name}: {Describe(layer)}");
                layer.Layer.EmitForward(new Forward(this, layer));
            });
            _w.Line();
        }

        /// <summary>Layers a generated method runs at most before a large network's pass is split into parts.</summary>
        internal const int StepsPerPart = 40;

        /// <summary>
        /// Writes a pass's steps, in the open method or, for a network of more than <see cref="StepsPerPart"/> layers, in
        /// private methods <c>{pass}Part1</c>, <c>{pass}Part2</c>, … that it calls in turn: the trim and AOT analyzers take
        /// time that grows faster than a method's length. A part ends only where no local variable of the pass is live.
        /// </summary>
        private void WriteSteps(string pass, string parameters, string arguments, IEnumerable<int> order, System.Action<int> step, string? cref = null)
        {
            if (_layers.Count <= StepsPerPart)
            {
                foreach (var i in order)
                {
                    _w.Line();
                    step(i);
                }
                _w.Close();
                return;
            }
            var method = _w;
            var parts = new List<string>();
            var steps = 0;
            foreach (var i in order)
            {
                if (steps == 0)
                {
                    _w = new SourceWriter(method.Indent - 1);
                    _w.Line();
                    _w.Line($"/// <summary>Part {Int(parts.Count + 1)} of <see cref=\"{cref ?? pass}\"/>, from {XmlEscape(_layers[i].Name)}.</summary>");
                    _w.Open($"private void {pass}Part{Int(parts.Count + 1)}({parameters})");
                }
                else
                {
                    _w.Line();
                }
                step(i);
                if (++steps >= StepsPerPart && _liveGradientVariables.Count == 0)
                {
                    _w.Close();
                    parts.Add(_w.ToString());
                    steps = 0;
                }
            }
            if (steps > 0)
            {
                _w.Close();
                parts.Add(_w.ToString());
            }
            _w = method;
            _w.Line();
            _w.Line($"// {Int(_layers.Count)} layers: the steps are in {Int(parts.Count)} parts of up to {Int(StepsPerPart)}.");
            for (var k = 0; k < parts.Count; k++) _w.Line($"{pass}Part{Int(k + 1)}({arguments});");
            _w.Close();
            foreach (var part in parts) _w.Raw(part);
        }

        /// <summary>A forward step's view of the network's buffers.</summary>
        private sealed class Forward(NetworkWriter network, CheckedLayer layer) : ForwardWriter(layer)
        {
            public override string Input(int k = 0) => network.Out(Layer.Inputs[k]);
            public override string Output => network.Out(Layer.Index);
            public override void Line(string text) => network._w.Line(text);
            protected override void Uses(string operation) => network._forwardOperations.Add(operation);
        }

        // Backward state: the owners whose gradient is the fused path's local variable.
        private readonly Dictionary<int, string> _gradientVariables = new();
        private readonly HashSet<int> _liveGradientVariables = new();   // owners whose variable a later step still reads

        private string GradRef(int node)
            => Owner(node) >= 0 && _gradientVariables.TryGetValue(Owner(node), out var variable) ? variable : GradField(node);

        private const string Scratch = "_gradScratch";

        /// <summary>
        /// A backward step's view: the plan says where each input's gradient goes; a gradient written to the scratch buffer
        /// is added into the input's own once the unit moves on to the next input or finishes.
        /// </summary>
        private sealed class Backward(NetworkWriter network, CheckedLayer layer) : BackwardWriter(layer)
        {
            private int _pending = -1;

            public override string Input(int k = 0) => network.Out(Layer.Inputs[k]);
            public override string Output => network.Out(Layer.Index);
            public override string OutputGradient => network.GradRef(Layer.Index);
            public override string Scratch => NetworkWriter.Scratch;
            public override void Line(string text) => network._w.Line(text);
            protected override void Uses(string operation) => network._backwardOperations.Add(operation);

            public override string? InputGradient(int k = 0)
            {
                Flush();
                switch (network._plan.InputTargets[Layer.Index][k])
                {
                    case GradientTarget.Direct:
                        return network.GradRef(Layer.Inputs[k]);
                    case GradientTarget.Accumulate:
                        _pending = k;
                        return Scratch;
                    default:
                        return null;
                }
            }

            public override void PassGradient(int k)
            {
                Flush();
                var target = network._plan.InputTargets[Layer.Index][k];
                if (target == GradientTarget.Accumulate)
                    Call("AddInPlace", $"{OutputGradient}, {network.GradRef(Layer.Inputs[k])}, batch * {Size}");
                else if (target == GradientTarget.Direct)
                    Call("Copy", $"{OutputGradient}, {network.GradRef(Layer.Inputs[k])}, batch * {Size}");
            }

            /// <summary>Adds a gradient left in the scratch buffer into its input's.</summary>
            public void Flush()
            {
                if (_pending < 0) return;
                var node = Layer.Inputs[_pending];
                Call("AddInPlace", $"{Scratch}, {network.GradRef(node)}, batch * {Int(network._layers[node].OutputShape.Size)}");
                _pending = -1;
            }
        }

        private void WriteBackward()
        {
            _w.Line("/// <inheritdoc/>");
            _w.Open("public void Backward(int batch, bool outputGradientIsForLogits)");
            WriteBatchCheck();
            _w.Line("if (!_trains)");
            _w.Line($"    throw new global::System.InvalidOperationException(\"This {LiteralText(_network.Type.Name)} is an inference context, which has no gradients. Train the network it was created from.\");");
            _w.Line("using var exclusive = _useGuard.Enter(\"Backward\");");
            if (_backwardNeedsTraining is not null)
            {
                _w.Line("if (!_lastPassTraining)");
                _w.Line($"    throw new global::System.InvalidOperationException({Literal(_backwardNeedsTraining)});");
            }

            // Each layer's first trainable parameter in Parameters, for the gradient listener.
            _firstTrainable = new int[_layers.Count + 1];
            for (var i = 0; i < _layers.Count; i++)
                _firstTrainable[i + 1] = _firstTrainable[i] + ParametersOf(_layers[i]).Count(p => p.Info.Trainable);
            WriteSteps("Backward", "int batch, bool outputGradientIsForLogits", "batch, outputGradientIsForLogits",
                Enumerable.Range(0, _layers.Count).Reverse(), WriteBackwardStep);
        }

        private int[] _firstTrainable = System.Array.Empty<int>();

        private void WriteBackwardStep(int i)
        {
            var layer = _layers[i];
            _w.Line($"// {layer.Name}: {Describe(layer)}");
            if (layer.Layer.IsAlias)
            {
                _w.Line("// (a reshape: its gradient is already in place)");
                return;
            }
            if (!_plan.NeedsGradient[i])
            {
                _w.Line("// (no layer before it has parameters, so no gradient is needed here)");
                return;
            }
            var step = new Backward(this, layer);
            var k = System.Array.IndexOf(_plan.Outputs, i);
            if (k >= 0 && _plan.FusedLogits[k] != ExecutionPlan.NotFused)
                WriteFusedOutput(step, k);
            else
                layer.Layer.EmitBackward(step);
            step.Flush();
            // The logits' own step is the last to read a fused output's gradient variable.
            _liveGradientVariables.Remove(i);
            if (_firstTrainable[i + 1] > _firstTrainable[i])
                _w.Line($"GradientListener?.GradientsReady({Int(_firstTrainable[i])}, {Int(_firstTrainable[i + 1] - _firstTrainable[i])});");
        }

        /// <summary>
        /// An output whose softmax or sigmoid a loss fuses with: the loss may hand over dL/dLogits in the output's gradient,
        /// and then the activation's backward is skipped (its gradient buffer continues as the logits' gradient when
        /// nothing else reads the logits, else it is copied).
        /// </summary>
        private void WriteFusedOutput(Backward step, int k)
        {
            var layer = step.Layer;
            var activation = (ActivationLayer)layer.Layer;
            var logits = layer.Inputs[0];
            if (_plan.FusedInPlace[k])
            {
                var variable = k == 0 ? "logitsGradient" : $"logitsGradient{Int(k + 1)}";
                _w.Line($"{Buffer} {variable};");
                _w.Line("if (outputGradientIsForLogits)");
                _w.Line("{");
                _w.Line($"    // {(k == 0 ? "OutputGradient" : $"Outputs[{Int(k)}].OutputGradient")} already holds the gradient for the logits: skip {layer.Name}'s backward.");
                _w.Line($"    {variable} = {step.OutputGradient};");
                _w.Line("}");
                _w.Line("else");
                _w.Line("{");
                _w.Line($"    {activation.BackwardCall(step, GradField(logits))}");
                _w.Line($"    {variable} = {GradField(logits)};");
                _w.Line("}");
                _gradientVariables[Owner(logits)] = variable;
                _liveGradientVariables.Add(Owner(logits));
                return;
            }
            if (step.InputGradient() is not { } target) return;
            _w.Line("if (outputGradientIsForLogits)");
            _w.Line("    " + step.Operation("Copy", $"{step.OutputGradient}, {target}, batch * {step.Size}"));
            _w.Line("else");
            _w.Line($"    {activation.BackwardCall(step, target)}");
        }

        // ONNX state: each node's tensor name (its layer's, or its input's for a layer that is the identity at inference).
        private string[] _onnxNames = System.Array.Empty<string>();
        private string _onnxInput = "input";

        private string OnnxName(int node) => node < 0 ? _onnxInput : _onnxNames[node];

        /// <summary>
        /// INetwork.WriteOnnx: the graph's input and outputs, then each layer's nodes. The input is <c>input</c> unless a
        /// layer has that name; the outputs are the output layers' tensors, main output first.
        /// </summary>
        private void WriteOnnx()
        {
            var names = new HashSet<string>(_layers.Select(l => l.Name), System.StringComparer.Ordinal);
            for (var n = 1; names.Contains(_onnxInput); n++) _onnxInput = "input_" + Int(n);
            _onnxNames = new string[_layers.Count];
            _w.Line();
            _w.Line("/// <inheritdoc/>");
            _w.Line("/// <remarks>Use <see cref=\"global::Unroll.OnnxExport.SaveOnnx\"/>, which holds the network's use guard while this runs.</remarks>");
            _w.Open("void global::Unroll.INetwork.WriteOnnx(global::Unroll.OnnxGraph graph)");
            _w.Line($"graph.Input({Literal(_onnxInput)}, InputShape);");
            foreach (var output in _plan.Outputs)
            {
                var dims = string.Join(", ", _layers[output].OutputShape.Dims.Select(Int));
                _w.Line($"graph.Output({Literal(_layers[output].Name)}, [{dims}]);");
            }
            WriteSteps("WriteOnnx", "global::Unroll.OnnxGraph graph", "graph", Enumerable.Range(0, _layers.Count), i =>
            {
                var layer = _layers[i];
                _onnxNames[i] = layer.Name;
                _w.Line($"// {layer.Name}: {Describe(layer)}");
                layer.Layer.EmitOnnx(new Onnx(this, layer, System.Array.IndexOf(_plan.Outputs, i) >= 0));
            }, cref: "global::Unroll.INetwork.WriteOnnx");
        }

        /// <summary>An ONNX step's view: tensor names instead of buffers.</summary>
        private sealed class Onnx(NetworkWriter network, CheckedLayer layer, bool isOutput) : OnnxWriter(layer)
        {
            public override string Input(int k = 0) => Literal(network.OnnxName(Layer.Inputs[k]));
            public override string Output => Literal(Layer.Name);
            public override void Line(string text) => network._w.Line(text);

            public override void SameAsInput()
            {
                if (isOutput)
                {
                    Node("Identity", Input(), Output);
                    return;
                }
                network._onnxNames[Layer.Index] = network.OnnxName(Layer.Inputs[0]);
                Line($"// (the identity at inference: later nodes read {Input()})");
            }
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
            _w.Line("/// <inheritdoc/>");
            _w.Line("ulong global::Unroll.INetwork.RandomPasses { get => _dropoutStep; set => _dropoutStep = value; }");
            _w.Line();
            _w.Line("/// <summary>A dropout layer's seed for this training pass: SplitMix64 over (network seed, pass, layer), so runs repeat exactly.</summary>");
            _w.Open("private ulong DropoutSeed(int layer)");
            _w.Line("ulong z = unchecked((ulong)(uint)_seed * 0x9E3779B97F4A7C15UL + _dropoutStep * 0xBF58476D1CE4E5B9UL + (ulong)layer);");
            _w.Line("z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);");
            _w.Line("z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);");
            _w.Line("return z ^ (z >> 31);");
            _w.Close();
        }    }
}
