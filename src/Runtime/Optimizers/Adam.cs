using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Unroll;

/// <summary>
/// Adam, PyTorch <c>torch.optim.Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-8)</c> (no weight decay, not AMSGrad).
/// At step t: m ← m + (1 − β₁)·(g − m), v ← β₂·v + (1 − β₂)·g², p ← p − (lr/(1 − β₁ᵗ))·m/(√v/√(1 − β₂ᵗ) + ε);
/// the bias corrections are computed in double precision, as PyTorch does, and ε is added after the bias-corrected root.
/// <example><code>var optimizer = new Adam(learningRate: 1e-3f);</code></example>
/// </summary>
public sealed class Adam : Optimizer
{
    private float _stepSize, _correction2Root;

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
    protected override void BeginStep()
    {
        double correction1 = 1 - Math.Pow(Beta1, Steps);
        double correction2 = 1 - Math.Pow(Beta2, Steps);
        _stepSize = (float)(LearningRate / correction1);
        _correction2Root = (float)Math.Sqrt(correction2);
    }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient)
    {
        Span<float> m = State(0, index), v = State(1, index);
        int i = 0;
        if (Vector512.IsHardwareAccelerated) i = Run<Lanes512>(value, gradient, m, v, i);
        else if (Vector256.IsHardwareAccelerated) i = Run<Lanes256>(value, gradient, m, v, i);
        Run<Lanes1>(value, gradient, m, v, i);
    }

    private int Run<T>(Span<float> value, ReadOnlySpan<float> gradient, Span<float> mean, Span<float> variance, int i) where T : struct, ILanes<T>
    {
        ref float p = ref MemoryMarshal.GetReference(value);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float m = ref MemoryMarshal.GetReference(mean);
        ref float v = ref MemoryMarshal.GetReference(variance);
        T oneMinusBeta1 = T.Create(1f - Beta1), beta2 = T.Create(Beta2), oneMinusBeta2 = T.Create(1f - Beta2);
        T stepSize = T.Create(_stepSize), correction2Root = T.Create(_correction2Root), eps = T.Create(Epsilon);
        for (; i <= value.Length - T.Count; i += T.Count)
        {
            T grad = T.Load(ref g, i);
            T mi = T.Load(ref m, i);
            mi = mi + oneMinusBeta1 * (grad - mi);
            T vi = T.Load(ref v, i) * beta2 + oneMinusBeta2 * grad * grad;
            T.Store(mi, ref m, i);
            T.Store(vi, ref v, i);
            T.Store(T.Load(ref p, i) - stepSize * (mi / (T.Sqrt(vi) / correction2Root + eps)), ref p, i);
        }
        return i;
    }
}
