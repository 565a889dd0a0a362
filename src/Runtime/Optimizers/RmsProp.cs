using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient)
    {
        Span<float> squareAverage = State(0, index);
        float lr = LearningRate, alpha = Alpha, eps = Epsilon;
        int i = 0;
        if (Vector512.IsHardwareAccelerated) i = Run<Lanes512>(value, gradient, squareAverage, i, lr, alpha, eps);
        else if (Vector256.IsHardwareAccelerated) i = Run<Lanes256>(value, gradient, squareAverage, i, lr, alpha, eps);
        Run<Lanes1>(value, gradient, squareAverage, i, lr, alpha, eps);
    }

    private static int Run<T>(Span<float> value, ReadOnlySpan<float> gradient, Span<float> squareAverage, int i,
        float learningRate, float alpha, float epsilon) where T : struct, ILanes<T>
    {
        ref float p = ref MemoryMarshal.GetReference(value);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float s = ref MemoryMarshal.GetReference(squareAverage);
        T lr = T.Create(learningRate), a = T.Create(alpha), oneMinusAlpha = T.Create(1f - alpha), eps = T.Create(epsilon);
        for (; i <= value.Length - T.Count; i += T.Count)
        {
            T grad = T.Load(ref g, i);
            T sq = T.Load(ref s, i) * a + oneMinusAlpha * grad * grad;
            T.Store(sq, ref s, i);
            T.Store(T.Load(ref p, i) - lr * (grad / (T.Sqrt(sq) + eps)), ref p, i);
        }
        return i;
    }
}
