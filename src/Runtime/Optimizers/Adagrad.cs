using System;

namespace Unroll;

/// <summary>
/// Adagrad, PyTorch <c>torch.optim.Adagrad(lr=0.01, lr_decay=0, eps=1e-10, initial_accumulator_value=0)</c>:
/// s ← s + g², p ← p − lr·g/(√s + ε).
/// <example><code>var optimizer = new Adagrad(learningRate: 0.01f);</code></example>
/// </summary>
public sealed class Adagrad : Optimizer
{
    /// <summary>Creates the optimizer; every argument must be finite and ≥ 0.</summary>
    public Adagrad(float learningRate = 0.01f, float epsilon = 1e-10f, float initialAccumulator = 0f) : base(learningRate)
    {
        RequireAtLeast(epsilon, 0f, nameof(epsilon));
        RequireAtLeast(initialAccumulator, 0f, nameof(initialAccumulator));
        Epsilon = epsilon;
        InitialAccumulator = initialAccumulator;
    }

    /// <inheritdoc/>
    public override string Name => "adagrad";

    /// <summary>ε, added to √s.</summary>
    public float Epsilon { get; }

    /// <summary>The value the sum of squared gradients starts at.</summary>
    public float InitialAccumulator { get; }

    /// <inheritdoc/>
    protected override int StateSlots => 1;

    /// <inheritdoc/>
    protected override float InitialState(int slot) => InitialAccumulator;

    /// <inheritdoc/>
    protected override OptimizerStep NextStep() => new(UpdateRule.Adagrad, LearningRate, Epsilon: Epsilon);
}
