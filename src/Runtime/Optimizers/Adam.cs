using System;

namespace Unroll;

/// <summary>
/// Adam, PyTorch <c>torch.optim.Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-8)</c> (no weight decay, not AMSGrad).
/// At step t: m ← m + (1 − β₁)·(g − m), v ← β₂·v + (1 − β₂)·g², p ← p − (lr/(1 − β₁ᵗ))·m/(√v/√(1 − β₂ᵗ) + ε);
/// the bias corrections are computed in double precision, as PyTorch does, and ε is added after the bias-corrected root.
/// <example><code>var optimizer = new Adam(learningRate: 1e-3f);</code></example>
/// </summary>
public class Adam : Optimizer
{
    /// <summary>Creates the optimizer; <paramref name="learningRate"/> ≥ 0, betas in [0, 1), <paramref name="epsilon"/> ≥ 0.</summary>
    public Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) : base(learningRate)
    {
        RequireRange(beta1, 0f, 1f, maxInclusive: false, nameof(beta1));
        RequireRange(beta2, 0f, 1f, maxInclusive: false, nameof(beta2));
        RequireAtLeast(epsilon, 0f, nameof(epsilon));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <inheritdoc/>
    public override string Name => "adam";

    /// <summary>β₁, the decay of the first-moment (mean) estimate.</summary>
    public float Beta1 { get; }

    /// <summary>β₂, the decay of the second-moment (uncentred variance) estimate.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to the bias-corrected √v.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    protected override int StateSlots => 2;

    /// <inheritdoc/>
    protected override OptimizerStep NextStep()
    {
        // PyTorch's bias corrections: step size lr / (1 − β₁ᵗ), and √(1 − β₂ᵗ) dividing √v.
        double correction1 = 1 - Math.Pow(Beta1, Steps);
        double correction2 = 1 - Math.Pow(Beta2, Steps);
        return new(UpdateRule.Adam, (float)(LearningRate / correction1), Momentum: Beta1, Decay: Beta2, Epsilon: Epsilon,
            Correction: (float)Math.Sqrt(correction2));
    }
}

/// <summary>
/// AdamW, PyTorch <c>torch.optim.AdamW(lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)</c>: Adam with the
/// weight decay decoupled from the gradient (Loshchilov and Hutter, 2019): each step first shrinks every value by
/// 1 − lr·λ, then takes Adam's step on the gradient alone.
/// <example><code>var optimizer = new AdamW(learningRate: 1e-3f, weightDecay: 0.05f);</code></example>
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer; as <see cref="Adam"/>, and <paramref name="weightDecay"/> λ ≥ 0.</summary>
    public AdamW(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
        : base(learningRate, beta1, beta2, epsilon) => WeightDecay = weightDecay;

    /// <inheritdoc/>
    public override string Name => "adamw";

    /// <inheritdoc/>
    protected override bool DecouplesWeightDecay => true;
}
