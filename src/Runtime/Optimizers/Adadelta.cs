using System;

namespace Unroll;

/// <summary>
/// Adadelta, PyTorch <c>torch.optim.Adadelta(lr=1.0, rho=0.9, eps=1e-6)</c>:
/// s ← ρ·s + (1 − ρ)·g², Δ ← √(a + ε)/√(s + ε)·g, a ← ρ·a + (1 − ρ)·Δ², p ← p − lr·Δ (s and a start at 0).
/// <example><code>var optimizer = new Adadelta();</code></example>
/// </summary>
public sealed class Adadelta : Optimizer
{
    /// <summary>Creates the optimizer; <paramref name="learningRate"/> ≥ 0, <paramref name="rho"/> in [0, 1], <paramref name="epsilon"/> ≥ 0.</summary>
    public Adadelta(float learningRate = 1.0f, float rho = 0.9f, float epsilon = 1e-6f) : base(learningRate)
    {
        RequireRange(rho, 0f, 1f, maxInclusive: true, nameof(rho));
        RequireAtLeast(epsilon, 0f, nameof(epsilon));
        Rho = rho;
        Epsilon = epsilon;
    }

    /// <inheritdoc/>
    public override string Name => "adadelta";

    /// <summary>ρ, the decay of both running averages.</summary>
    public float Rho { get; }

    /// <summary>ε, added inside both square roots.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    protected override int StateSlots => 2;

    /// <inheritdoc/>
    protected override OptimizerStep NextStep() => new(UpdateRule.Adadelta, LearningRate, Decay: Rho, Epsilon: Epsilon);
}
