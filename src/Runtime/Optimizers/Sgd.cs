using System;

namespace Unroll;

/// <summary>
/// Plain gradient descent, PyTorch <c>torch.optim.SGD(lr=0.01)</c>: p ← p − lr·g.
/// Full-batch gradient descent, stochastic gradient descent (batch 1) and mini-batch SGD are all this optimizer: the
/// batch size is the trainer's choice, since the loss averages the gradient over whatever batch it was given.
/// <example><code>var sgd = new Sgd(learningRate: 0.1f);</code></example>
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates the optimizer; <paramref name="learningRate"/> must be ≥ 0.</summary>
    public Sgd(float learningRate = 0.01f) : base(learningRate) { }

    /// <inheritdoc/>
    public override string Name => "sgd";

    /// <inheritdoc/>
    protected override OptimizerStep NextStep() => new(UpdateRule.Sgd, LearningRate);
}
