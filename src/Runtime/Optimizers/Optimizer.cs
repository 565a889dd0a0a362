using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Linq;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>
/// Updates parameter values from their gradients. Each optimizer follows PyTorch's <c>torch.optim</c> update rule and
/// defaults (no weight decay, no learning-rate decay), so a trajectory can be compared step by step with TorchSharp.
/// </summary>
/// <remarks>
/// <para>The first <see cref="Step"/> binds the optimizer to that list of parameters and allocates its state
/// (velocities, accumulators) once; later steps allocate nothing. Stepping with a different list (other parameters, or
/// the same ones in another order) throws <see cref="InvalidOperationException"/>: state belongs to one network. Call
/// <see cref="Reset"/> to drop the state and bind again.</para>
/// <para>Updates are a backend operation (<see cref="IOptimizerOperations.OptimizerUpdate"/>) on the parameters' own
/// memory, and the state lives there too: on a GPU backend nothing comes back to the host. A backend that cannot update
/// makes the first step throw <see cref="NotSupportedException"/>, naming it.</para>
/// <example><code>
/// var optimizer = new Adam(learningRate: 1e-3f);
/// network.Forward(batch, training: true); /* loss, Backward */ optimizer.Step(network.Parameters);
/// </code></example>
/// </remarks>
public abstract class Optimizer
{
    private float _learningRate;
    private Parameter[]? _bound;
    private FloatBuffer[][]? _state; // [slot][parameter], in each parameter's backend

    /// <summary>Sets the learning rate (validated as <see cref="LearningRate"/>'s setter does).</summary>
    protected Optimizer(float learningRate) => LearningRate = learningRate;

    /// <summary>A short name, e.g. <c>adam</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The step size; a schedule may change it between steps. Must be finite and ≥ 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, infinite or NaN.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            RequireAtLeast(value, 0f, "learningRate");
            _learningRate = value;
        }
    }

    /// <summary>
    /// Weight decay λ, default 0. For every optimizer but <see cref="AdamW"/> it is PyTorch's <c>weight_decay</c>, L2
    /// regularisation: the gradient is read as g + λ·p. AdamW decouples it (Loshchilov and Hutter, 2019): each step first
    /// shrinks every value by 1 − lr·λ. It applies to every parameter the optimizer updates, biases included, as
    /// PyTorch's does by default.
    /// </summary>
    public float WeightDecay
    {
        get => _weightDecay;
        init
        {
            RequireAtLeast(value, 0f, "weightDecay");
            _weightDecay = value;
        }
    }

    private float _weightDecay;

    /// <summary>
    /// When set, gradients are clipped by their global norm before each update, as
    /// <c>torch.nn.utils.clip_grad_norm_(parameters, max_norm)</c> does: the L2 norm over every gradient together, and
    /// when it exceeds the maximum, every gradient scaled by max / (norm + 10⁻⁶). Frozen parameters do not count.
    /// </summary>
    public float? MaxGradientNorm
    {
        get => _maxGradientNorm;
        init
        {
            if (value is { } max) RequireAtLeast(max, float.Epsilon, "maxGradientNorm");
            _maxGradientNorm = value;
        }
    }

    private float? _maxGradientNorm;
    private float[]? _gradientCopy; // the largest gradient, downloaded from a device to take its norm

    /// <summary>The global gradient norm the last step measured, before clipping (NaN unless <see cref="MaxGradientNorm"/> is set).</summary>
    public float GradientNorm { get; private set; } = float.NaN;

    /// <summary>Whether <see cref="WeightDecay"/> is decoupled from the gradient (AdamW) rather than added to it.</summary>
    protected virtual bool DecouplesWeightDecay => false;

    /// <summary>Updates taken since construction or <see cref="Reset"/>.</summary>
    public int Steps { get; private set; }

    /// <summary>Number of state arrays per parameter (one per parameter value each).</summary>
    protected virtual int StateSlots => 0;

    /// <summary>The value state slot <paramref name="slot"/> starts at (0 unless overridden).</summary>
    protected virtual float InitialState(int slot) => 0f;

    /// <summary>Updates every parameter's value from its gradient.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="parameters"/> is not the list this optimizer was bound to.</exception>
    /// <exception cref="NotSupportedException">A parameter's backend cannot run optimizer updates.</exception>
    public void Step(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var bound = _bound ?? Bind(parameters);
        if (!ReferenceEquals(bound, parameters)) CheckSameList(bound, parameters);
        Steps++;
        var step = NextStep() with
        {
            ValueScale = DecouplesWeightDecay ? 1f - LearningRate * WeightDecay : 1f,
            WeightDecay = DecouplesWeightDecay ? 0f : WeightDecay,
            GradientScale = ClipScale(bound),
        };
        var state = _state!;
        for (int i = 0; i < bound.Length; i++)
        {
            var p = bound[i];
            if (p.IsFrozen) continue;
            p.Backend.OptimizerUpdate(step, p.Value, p.Gradient, state.Length > 0 ? state[0][i] : null, state.Length > 1 ? state[1][i] : null, p.Length);
        }
    }

    /// <summary>
    /// The factor that clips this step's gradients: the global norm, each parameter's sum of squares taken in a fixed
    /// order and added in double precision, so that the same gradients always give the same factor.
    /// </summary>
    private float ClipScale(Parameter[] bound)
    {
        if (MaxGradientNorm is not { } max) return 1f;
        double sum = 0;
        foreach (var p in bound)
        {
            if (p.IsFrozen) continue;
            ReadOnlySpan<float> gradient;
            if (p.Gradient.IsHostMemory) gradient = p.Gradient.Span[..p.Length];
            else
            {
                if (_gradientCopy is null || _gradientCopy.Length < p.Length) _gradientCopy = new float[bound.Max(b => b.Length)];
                p.Backend.Download(p.Gradient, 0, _gradientCopy.AsSpan(0, p.Length));
                gradient = _gradientCopy.AsSpan(0, p.Length);
            }
            sum += TensorPrimitives.SumOfSquares(gradient);
        }
        var norm = Math.Sqrt(sum);
        GradientNorm = (float)norm;
        var coefficient = max / (norm + 1e-6);
        return coefficient < 1 ? (float)coefficient : 1f;
    }

    /// <summary>Forgets the bound parameters, the state and the step count; the next <see cref="Step"/> binds again.</summary>
    public void Reset()
    {
        _bound = null;
        _state = null;
        Steps = 0;
    }

    /// <summary>
    /// The state as tensors a checkpoint holds, <c>optimizer.state{slot}.{parameter}</c>, reading and writing the state
    /// buffers themselves; an optimizer not yet bound is bound to <paramref name="parameters"/> first, with the zero
    /// state a first step would start from.
    /// </summary>
    internal List<SafeTensors.TensorTarget> StateTensors(IReadOnlyList<Parameter> parameters)
    {
        var bound = _bound ?? Bind(parameters);
        if (!ReferenceEquals(bound, parameters)) CheckSameList(bound, parameters);
        var tensors = new List<SafeTensors.TensorTarget>();
        for (var slot = 0; slot < _state!.Length; slot++)
        {
            for (var i = 0; i < bound.Length; i++)
            {
                var (p, buffer) = (bound[i], _state[slot][i]);
                tensors.Add(new SafeTensors.TensorTarget($"{SafeTensors.OptimizerStatePrefix}state{slot}.{p.Name}", p.Shape,
                    values => p.Backend.Download(buffer, 0, values), values => p.Backend.Upload(values, buffer)));
            }
        }
        return tensors;
    }

    /// <summary>Sets the step count a checkpoint recorded (Adam's bias corrections depend on it).</summary>
    internal void RestoreSteps(int steps) => Steps = steps;

    /// <summary>This step's rule and settings; called once per step, after <see cref="Steps"/> is incremented.</summary>
    protected abstract OptimizerStep NextStep();

    private Parameter[] Bind(IReadOnlyList<Parameter> parameters)
    {
        var bound = new Parameter[parameters.Count];
        for (int i = 0; i < bound.Length; i++)
        {
            var p = parameters[i] ?? throw new ArgumentException($"Optimizer '{Name}': parameter {i} is null.", nameof(parameters));
            if (!p.Backend.Supports(nameof(IBackend.OptimizerUpdate)))
                throw new NotSupportedException(
                    $"Optimizer '{Name}' cannot update '{p.Name}': its backend '{p.Backend.Name}' does not support OptimizerUpdate.");
            bound[i] = p;
        }
        var state = new FloatBuffer[StateSlots][];
        for (int s = 0; s < state.Length; s++)
        {
            state[s] = new FloatBuffer[bound.Length];
            float initial = InitialState(s);
            for (int i = 0; i < bound.Length; i++)
            {
                state[s][i] = bound[i].Backend.Allocate(bound[i].Length);
                if (initial != 0f)
                {
                    var values = new float[bound[i].Length];
                    values.AsSpan().Fill(initial);
                    bound[i].Backend.Upload(values, state[s][i]);
                }
            }
        }
        _state = state;
        _bound = bound;
        return bound;
    }

    private void CheckSameList(Parameter[] bound, IReadOnlyList<Parameter> parameters)
    {
        int count = parameters.Count;
        for (int i = 0; i < bound.Length && i < count; i++)
            if (!ReferenceEquals(bound[i], parameters[i]))
                ThrowNotBound(bound, count, $"at index {i} it has '{parameters[i]?.Name}' where '{bound[i].Name}' was bound");
        if (count != bound.Length)
            ThrowNotBound(bound, count, $"it has {count} parameters, not {bound.Length}");
    }

    [DoesNotReturn]
    private void ThrowNotBound(Parameter[] bound, int count, string difference)
        => throw new InvalidOperationException(
            $"Optimizer '{Name}' is bound to the {bound.Length} parameters of its first step ({Describe(bound)}), but was given a different list: {difference}. " +
            "Use one optimizer per network, or call Reset() to bind it to new parameters.");

    private static string Describe(Parameter[] bound)
        => bound.Length <= 4 ? string.Join(", ", (object[])bound) : $"{bound[0]}, {bound[1]}, …, {bound[^1]}";

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="value"/> is finite and ≥ <paramref name="min"/>.</summary>
    protected void RequireAtLeast(float value, float min, string name)
    {
        if (!(value >= min) || !float.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"Optimizer '{Name}': {name} must be a finite number ≥ {Text(min)}, but is {Text(value)}.");
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="value"/> is in [min, max) (or [min, max] when <paramref name="maxInclusive"/>).</summary>
    protected void RequireRange(float value, float min, float max, bool maxInclusive, string name)
    {
        bool ok = value >= min && (maxInclusive ? value <= max : value < max);
        if (!ok)
            throw new ArgumentOutOfRangeException(name, value,
                $"Optimizer '{Name}': {name} must be in [{Text(min)}, {Text(max)}{(maxInclusive ? "]" : ")")}, but is {Text(value)}.");
    }

    private static string Text(float v) => v.ToString(CultureInfo.InvariantCulture);
}
