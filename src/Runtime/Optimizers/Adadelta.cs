using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient)
    {
        Span<float> squareAverage = State(0, index), deltaAverage = State(1, index);
        float lr = LearningRate, rho = Rho, eps = Epsilon;
        int i = 0;
        if (Vector512.IsHardwareAccelerated) i = Run<Lanes512>(value, gradient, squareAverage, deltaAverage, i, lr, rho, eps);
        else if (Vector256.IsHardwareAccelerated) i = Run<Lanes256>(value, gradient, squareAverage, deltaAverage, i, lr, rho, eps);
        Run<Lanes1>(value, gradient, squareAverage, deltaAverage, i, lr, rho, eps);
    }

    private static int Run<T>(Span<float> value, ReadOnlySpan<float> gradient, Span<float> squareAverage, Span<float> deltaAverage,
        int i, float learningRate, float rho, float epsilon) where T : struct, ILanes<T>
    {
        ref float p = ref MemoryMarshal.GetReference(value);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float s = ref MemoryMarshal.GetReference(squareAverage);
        ref float a = ref MemoryMarshal.GetReference(deltaAverage);
        T lr = T.Create(learningRate), r = T.Create(rho), oneMinusRho = T.Create(1f - rho), eps = T.Create(epsilon);
        for (; i <= value.Length - T.Count; i += T.Count)
        {
            T grad = T.Load(ref g, i);
            T sq = T.Load(ref s, i) * r + oneMinusRho * grad * grad;
            T.Store(sq, ref s, i);
            T acc = T.Load(ref a, i);
            T delta = T.Sqrt(acc + eps) / T.Sqrt(sq + eps) * grad;
            T.Store(acc * r + oneMinusRho * delta * delta, ref a, i);
            T.Store(T.Load(ref p, i) - lr * delta, ref p, i);
        }
        return i;
    }
}
