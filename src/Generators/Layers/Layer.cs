using System;
using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>
/// One layer kind, as a unit: its arguments are the record's own properties (so two layers compare by value, and the
/// pipeline caches), and its members say everything else about the kind — names, the inputs it accepts, its argument
/// checks and shape rule, its parameters and extra buffers, its forward and backward code and its cost. Nothing outside
/// a unit switches on the kind of a layer. <see cref="LayerCatalog"/> finds units by attribute and Tensor method.
/// </summary>
internal abstract record Layer
{
    /// <summary>The attribute as users write it (<c>Dense</c>, <c>Relu</c>), used in diagnostics.</summary>
    public abstract string Kind { get; }

    /// <summary>Keras's class name, for the summary's type column.</summary>
    public virtual string KerasType => Kind;

    /// <summary>Prefix of default names: <c>dense</c> for dense_1, dense_2, ….</summary>
    public abstract string NamePrefix { get; }

    /// <summary>The input ranks (and how many inputs) the kind accepts; a mismatch is one generic diagnostic.</summary>
    public virtual InputSpec Input => InputSpec.AnyRank;

    /// <summary>Checks the arguments alone, before any shape is known.</summary>
    public virtual void CheckArguments(LayerContext context) { }

    /// <summary>The output shape (and window) for inputs that passed <see cref="Input"/>, or null after reporting.</summary>
    public abstract Inferred? Infer(LayerContext context, IReadOnlyList<Shape> inputs);

    /// <summary>The layer's parameter tensors, weights first, then bias, then statistics; counts are derived from them.</summary>
    public virtual IEnumerable<ParameterInfo> Parameters(CheckedLayer layer) => Array.Empty<ParameterInfo>();

    /// <summary>Buffers of its own besides its output and gradient: masks, statistics, intermediates.</summary>
    public virtual IEnumerable<BufferInfo> Buffers(CheckedLayer layer) => Array.Empty<BufferInfo>();

    /// <summary>Static geometry fields (<c>s_conv1Geometry</c>): a part name, the type and its initializer.</summary>
    public virtual IEnumerable<GeometryInfo> Geometries(CheckedLayer layer) => Array.Empty<GeometryInfo>();

    /// <summary>
    /// The suffixes of every member the kind may declare (parameters <c>{Member}{suffix}</c>, buffers
    /// <c>_{field}{suffix}</c>, geometries <c>s_{field}{suffix}Geometry</c>): the checker reports two layers whose members
    /// would meet, and the emitter refuses a member not listed here.
    /// </summary>
    public virtual MemberSuffixes Members => MemberSuffixes.None;

    /// <summary>The forward pass's comment for this layer, after its name: <c>Dense 400→120 → (120)</c>.</summary>
    public abstract string Describe(CheckedLayer layer, Func<int, string> inputName);

    public abstract void EmitForward(ForwardWriter writer);

    /// <summary>Writes the backward step; called only when some layer before it has parameters.</summary>
    public abstract void EmitBackward(BackwardWriter writer);

    /// <summary>Writes its nodes of the ONNX inference graph (opset 17), reading <c>Input(k)</c> and defining <c>Output</c>.</summary>
    public abstract void EmitOnnx(OnnxWriter writer);

    /// <summary>Multiply-adds of one sample's forward pass (an addition, a comparison or an exponential counts as one).</summary>
    public virtual long MultiplyAdds(CheckedLayer layer) => 0;

    /// <summary>A reshape: its output is its input's buffer read with another shape, so it emits no work.</summary>
    public virtual bool IsAlias => false;

    /// <summary>Uses the network's shared convolution workspace.</summary>
    public virtual bool UsesWorkspace => false;

    /// <summary>Its backward may need the shared gradient scratch buffer even in a sequential network.</summary>
    public virtual bool NeedsGradientScratch => false;

    /// <summary>What a training forward pass leaves behind for backward (<c>dropout masks</c>), or null.</summary>
    public virtual string? TrainingState => null;

    /// <summary>Draws random numbers in training passes (a per-pass seed).</summary>
    public virtual bool IsRandom => false;

    /// <summary>Why its backward needs a training forward pass first (the exception's text), or null.</summary>
    public virtual string? BackwardNeedsTrainingPass => null;

    /// <summary>As the network's final layer, the activation a loss may fuse with (softmax, sigmoid), or null.</summary>
    public virtual Activation? FusableOutputActivation => null;

    /// <summary>A ReLU-like activation: weights feeding it start He-initialised.</summary>
    public virtual bool IsReluLike => false;

    /// <summary>Passes the initialisation hint through (a BatchNorm between a convolution and its ReLU).</summary>
    public virtual bool PassesInitHint => false;
}

/// <summary>
/// A reshape (<c>Flatten</c>, <c>Reshape</c>): its output is its input's buffer read with another shape, so it has no
/// parameters, no buffers and no code, forward or backward; the plan gives it its input's buffers.
/// </summary>
internal abstract record AliasLayer : Layer
{
    public sealed override bool IsAlias => true;

    public sealed override string Describe(CheckedLayer layer, Func<int, string> inputName) => $"{Kind} {layer.InputShape} → {layer.OutputShape}";

    public sealed override void EmitForward(ForwardWriter w) => w.Line($"// (a reshape: {w.Output} is already laid out as {w.Layer.OutputShape}; nothing to do)");

    public sealed override void EmitBackward(BackwardWriter w) { }
}

/// <summary>What a shape rule found: the output shape and, for windowed layers, the window.</summary>
internal readonly record struct Inferred(Shape Output, WindowGeometry? Window = null);

/// <summary>A parameter tensor: member <c>{Member}{Suffix}</c>, name <c>{layer}.{Name}</c>, PyTorch's shape, initialiser.</summary>
internal sealed record ParameterInfo(string Suffix, string Name, int[] Shape, string Init, bool Trainable = true)
{
    public long Count
    {
        get
        {
            long count = 1;
            foreach (var d in Shape) count *= d;
            return count;
        }
    }
}

/// <summary>
/// An extra buffer <c>_{field}{Suffix}</c>: <see cref="Length"/> values per sample (× capacity) or in all
/// (<see cref="PerSample"/> false). Training-only buffers are not allocated by an inference context; gradient-only ones
/// exist only where the layer's backward runs.
/// </summary>
internal sealed record BufferInfo(string Suffix, int Length, bool PerSample = true, bool TrainingOnly = false, bool GradientOnly = false, string? Description = null)
{
    /// <summary>A per-sample buffer an inference pass fills too (the plan may share its memory; it counts as activations).</summary>
    public bool FilledAtInference => PerSample && !TrainingOnly;
}

/// <summary>A static geometry field <c>s_{field}{Part}Geometry</c> of the given type and initializer.</summary>
internal sealed record GeometryInfo(string Part, string Type, string Value)
{
    public const string Conv2D = "global::Unroll.Conv2DGeometry";
    public const string Dense = "global::Unroll.DenseGeometry";
    public const string BatchNorm = "global::Unroll.BatchNormGeometry";
    public const string Concat = "global::Unroll.ConcatGeometry";
    public const string Padding2D = "global::Unroll.Padding2DGeometry";
    public const string GlobalPool2D = "global::Unroll.GlobalPool2DGeometry";
}

/// <summary>The member suffixes a layer kind may declare (see <see cref="Layer.Members"/>).</summary>
internal sealed class MemberSuffixes(string[] parameters, string[] buffers, string[] geometries)
{
    public static readonly MemberSuffixes None = new(Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>());

    public string[] Parameters { get; } = parameters;
    public string[] Buffers { get; } = buffers;
    public string[] Geometries { get; } = geometries;

    /// <summary>Every identifier a layer with C# name <paramref name="member"/> may declare in the network class.</summary>
    public IEnumerable<string> Identifiers(string member)
    {
        var field = Naming.CamelCase(member);
        yield return "_" + field + "Out";
        yield return "_" + field + "Grad";
        foreach (var p in Parameters) yield return member + p;
        foreach (var b in Buffers) yield return "_" + field + b;
        foreach (var g in Geometries) yield return "s_" + field + g + "Geometry";
    }
}

/// <summary>
/// The ranks a layer kind reads, and how a mismatch is reported: the generic UNR0031, or a kind's own older
/// diagnostic with a more pointed fix (Dense's UNR0006, a convolution's UNR0007).
/// </summary>
internal sealed class InputSpec
{
    public static readonly InputSpec AnyRank = new(new[] { 1, 2, 3, 4 });

    /// <summary>
    /// A (features) vector, reported as UNR0006 ("add [Flatten] before it"); a (steps, features) sequence, as UNR0031 with
    /// the recurrent layer's way out too.
    /// </summary>
    public static readonly InputSpec Vector = new(new[] { 1 }, (context, shape) => shape.Rank == 2
        ? RankMismatch(new[] { 1 }, context, shape, "add [Flatten] before it, or set ReturnSequences = false on the recurrent layer that makes it")
        : DiagnosticInfo.Create(DiagnosticDescriptors.DenseNeedsVectorInput, context.Location, context.Name, shape.ToString()));

    /// <summary>A (channels, height, width) image, reported as UNR0007.</summary>
    public static readonly InputSpec Image = new(new[] { 3 }, (context, shape) =>
        DiagnosticInfo.Create(DiagnosticDescriptors.SpatialLayerNeedsImageInput, context.Location, context.Kind, context.Name, shape.ToString()));

    /// <summary>A (features) vector or an image: layers that work per channel or per feature.</summary>
    public static readonly InputSpec VectorOrImage = new(new[] { 1, 3 });

    private readonly Func<LayerContext, Shape, DiagnosticInfo>? _mismatch;
    private readonly string? _hint;

    /// <summary>The ranks a kind reads; a mismatch is <paramref name="mismatch"/>'s diagnostic, or UNR0031 with <paramref name="hint"/> as its fix.</summary>
    public InputSpec(int[] ranks, Func<LayerContext, Shape, DiagnosticInfo>? mismatch = null, string? hint = null)
    {
        Ranks = ranks;
        _mismatch = mismatch;
        _hint = hint;
    }

    public int[] Ranks { get; }

    public bool Accepts(Shape shape) => Array.IndexOf(Ranks, shape.Rank) >= 0;

    public DiagnosticInfo Mismatch(LayerContext context, Shape shape)
    {
        if (_mismatch is not null) return _mismatch(context, shape);
        return RankMismatch(Ranks, context, shape, _hint ?? (Ranks.Length == 1 && Ranks[0] == 1 ? "add [Flatten] before it" : "add a Reshape or Flatten before it"));
    }

    /// <summary>UNR0031: the kind expects one of its ranks but receives <paramref name="shape"/>; <paramref name="hint"/> says how to fix it.</summary>
    private static DiagnosticInfo RankMismatch(int[] ranks, LayerContext context, Shape shape, string hint)
    {
        var expected = new List<string>();
        foreach (var rank in ranks) expected.Add(Shape.AxisNames(rank));
        return DiagnosticInfo.Create(DiagnosticDescriptors.InputRankMismatch, context.Location, context.Kind, context.Name,
            string.Join(" or ", expected), shape.ToString(), hint, context.CallContext);
    }
}
