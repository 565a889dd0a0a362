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
        var step = NextStep();
        var state = _state!;
        for (int i = 0; i < bound.Length; i++)
        {
            var p = bound[i];
            p.Backend.OptimizerUpdate(step, p.Value, p.Gradient, state.Length > 0 ? state[0][i] : null, state.Length > 1 ? state[1][i] : null, p.Length);
        }
    }

    /// <summary>Forgets the bound parameters, the state and the step count; the next <see cref="Step"/> binds again.</summary>
    public void Reset()
    {
        _bound = null;
        _state = null;
        Steps = 0;
    }

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
