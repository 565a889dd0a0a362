using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient)
    {
        float lr = LearningRate;
        int i = 0;
        if (Vector512.IsHardwareAccelerated) i = Run<Lanes512>(value, gradient, i, lr);
        else if (Vector256.IsHardwareAccelerated) i = Run<Lanes256>(value, gradient, i, lr);
        Run<Lanes1>(value, gradient, i, lr);
    }

    private static int Run<T>(Span<float> value, ReadOnlySpan<float> gradient, int i, float learningRate) where T : struct, ILanes<T>
    {
        ref float p = ref MemoryMarshal.GetReference(value);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        T lr = T.Create(learningRate);
        for (; i <= value.Length - T.Count; i += T.Count)
            T.Store(T.Load(ref p, i) - lr * T.Load(ref g, i), ref p, i);
        return i;
    }
}
