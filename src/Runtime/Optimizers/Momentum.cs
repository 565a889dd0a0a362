using System;

namespace Unroll;

/// <summary>
/// Gradient descent with momentum, PyTorch <c>torch.optim.SGD(lr=0.01, momentum=0.9)</c> (dampening 0):
/// v ← μ·v + g (v starts at 0, so the first step has v = g), p ← p − lr·v.
/// <example><code>var optimizer = new Momentum(learningRate: 0.01f, momentum: 0.9f);</code></example>
/// </summary>
public sealed class Momentum : Optimizer
{
    /// <summary>Creates the optimizer; <paramref name="learningRate"/> ≥ 0, <paramref name="momentum"/> in [0, 1).</summary>
    public Momentum(float learningRate = 0.01f, float momentum = 0.9f) : base(learningRate)
    {
        RequireRange(momentum, 0f, 1f, maxInclusive: false, nameof(momentum));
        MomentumFactor = momentum;
    }

    /// <inheritdoc/>
    public override string Name => "momentum";

    /// <summary>μ, the fraction of the velocity kept each step.</summary>
    public float MomentumFactor { get; }

    /// <inheritdoc/>
    protected override int StateSlots => 1;

    /// <inheritdoc/>
    protected override OptimizerStep NextStep() => new(UpdateRule.Momentum, LearningRate, Momentum: MomentumFactor);
}
