using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

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
/// <para>Updates run on the host: every parameter's buffers must be in host memory (the CPU backend), otherwise the
/// first step throws <see cref="NotSupportedException"/>. Loops are vectorised (512- or 256-bit lanes, scalar tail)
/// without fused multiply-add, so results do not depend on the vector width.</para>
/// <example><code>
/// var optimizer = new Adam(learningRate: 1e-3f);
/// network.Forward(batch, training: true); /* loss, Backward */ optimizer.Step(network.Parameters);
/// </code></example>
/// </remarks>
public abstract class Optimizer
{
    private float _learningRate;
    private Parameter[]? _bound;
    private float[][][]? _state; // [slot][parameter]

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

    /// <summary>Updates taken since construction or <see cref="Reset"/>.</summary>
    public int Steps { get; private set; }

    /// <summary>Number of state arrays per parameter (one per parameter value each).</summary>
    protected virtual int StateSlots => 0;

    /// <summary>The value state slot <paramref name="slot"/> starts at (0 unless overridden).</summary>
    protected virtual float InitialState(int slot) => 0f;

    /// <summary>Updates every parameter's value from its gradient.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="parameters"/> is not the list this optimizer was bound to.</exception>
    /// <exception cref="NotSupportedException">A parameter's buffers are not in host memory.</exception>
    public void Step(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var bound = _bound ?? Bind(parameters);
        if (!ReferenceEquals(bound, parameters)) CheckSameList(bound, parameters);
        Steps++;
        BeginStep();
        for (int i = 0; i < bound.Length; i++)
        {
            var p = bound[i];
            Update(i, p.Value.Span, p.Gradient.Span);
        }
    }

    /// <summary>Forgets the bound parameters, the state and the step count; the next <see cref="Step"/> binds again.</summary>
    public void Reset()
    {
        _bound = null;
        _state = null;
        Steps = 0;
    }

    /// <summary>Called once per step after <see cref="Steps"/> is incremented, before the parameters are updated.</summary>
    protected virtual void BeginStep() { }

    /// <summary>Updates parameter <paramref name="index"/> (in the bound list).</summary>
    protected abstract void Update(int index, Span<float> value, ReadOnlySpan<float> gradient);

    /// <summary>State slot <paramref name="slot"/> of parameter <paramref name="index"/>, as long as the parameter.</summary>
    protected Span<float> State(int slot, int index) => _state![slot][index];

    private Parameter[] Bind(IReadOnlyList<Parameter> parameters)
    {
        var bound = new Parameter[parameters.Count];
        for (int i = 0; i < bound.Length; i++)
        {
            var p = parameters[i] ?? throw new ArgumentException($"Optimizer '{Name}': parameter {i} is null.", nameof(parameters));
            if (!p.Value.IsHostMemory || !p.Gradient.IsHostMemory)
                throw new NotSupportedException(
                    $"Optimizer '{Name}' updates parameters in host memory, but '{p.Name}' lives in device memory. Use the CPU backend for this optimizer.");
            bound[i] = p;
        }
        var state = new float[StateSlots][][];
        for (int s = 0; s < state.Length; s++)
        {
            state[s] = new float[bound.Length][];
            float initial = InitialState(s);
            for (int i = 0; i < bound.Length; i++)
            {
                state[s][i] = new float[bound[i].Length];
                if (initial != 0f) state[s][i].AsSpan().Fill(initial);
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
