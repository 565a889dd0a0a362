using System;

namespace Unroll;

/// <summary>
/// RMSprop, PyTorch <c>torch.optim.RMSprop(lr=0.01, alpha=0.99, eps=1e-8)</c> (no momentum, not centred):
/// s ← α·s + (1 − α)·g², p ← p − lr·g/(√s + ε) — ε is added after the square root, as PyTorch does (Keras adds it inside).
/// <example><code>var optimizer = new RmsProp(learningRate: 1e-3f);</code></example>
/// </summary>
public sealed class RmsProp : Optimizer
{
    /// <summary>Creates the optimizer; <paramref name="learningRate"/> ≥ 0, <paramref name="alpha"/> in [0, 1], <paramref name="epsilon"/> ≥ 0.</summary>
    public RmsProp(float learningRate = 0.01f, float alpha = 0.99f, float epsilon = 1e-8f) : base(learningRate)
    {
        RequireRange(alpha, 0f, 1f, maxInclusive: true, nameof(alpha));
        RequireAtLeast(epsilon, 0f, nameof(epsilon));
        Alpha = alpha;
        Epsilon = epsilon;
    }

    /// <inheritdoc/>
    public override string Name => "rmsprop";

    /// <summary>α, the decay of the running average of squared gradients.</summary>
    public float Alpha { get; }

    /// <summary>ε, added to √s.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    protected override int StateSlots => 1;

    /// <inheritdoc/>
    protected override OptimizerStep NextStep() => new(UpdateRule.RmsProp, LearningRate, Decay: Alpha, Epsilon: Epsilon);
}
