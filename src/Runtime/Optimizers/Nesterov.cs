using System;

namespace Unroll;

/// <summary>
/// Gradient descent with Nesterov momentum, PyTorch <c>torch.optim.SGD(lr=0.01, momentum=0.9, nesterov=True)</c>:
/// v ← μ·v + g (v starts at 0), p ← p − lr·(g + μ·v).
/// <example><code>var optimizer = new Nesterov(learningRate: 0.01f, momentum: 0.9f);</code></example>
/// </summary>
public sealed class Nesterov : Optimizer
{
    /// <summary>Creates the optimizer; <paramref name="learningRate"/> ≥ 0, <paramref name="momentum"/> in (0, 1) (PyTorch rejects Nesterov without momentum).</summary>
    public Nesterov(float learningRate = 0.01f, float momentum = 0.9f) : base(learningRate)
    {
        RequireRange(momentum, 0f, 1f, maxInclusive: false, nameof(momentum));
        if (momentum == 0f)
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"Optimizer '{Name}': momentum must be in (0, 1) for Nesterov momentum, but is 0; use Sgd for plain gradient descent.");
        MomentumFactor = momentum;
    }

    /// <inheritdoc/>
    public override string Name => "nesterov";

    /// <summary>μ, the fraction of the velocity kept each step.</summary>
    public float MomentumFactor { get; }

    /// <inheritdoc/>
    protected override int StateSlots => 1;

    /// <inheritdoc/>
    protected override OptimizerStep NextStep() => new(UpdateRule.Nesterov, LearningRate, Momentum: MomentumFactor);
}
