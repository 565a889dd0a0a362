using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient)
        => Apply(value, gradient, State(0, index), LearningRate, MomentumFactor, nesterov: false);

    /// <summary>
    /// One step of PyTorch's SGD with momentum, shared with <see cref="Nesterov"/>: v ← μ·v + g, then
    /// p ← p − lr·v, or p ← p − lr·(g + μ·v) with Nesterov's look-ahead.
    /// </summary>
    internal static void Apply(Span<float> value, ReadOnlySpan<float> gradient, Span<float> velocity, float learningRate, float momentum, bool nesterov)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) i = Run<Lanes512>(value, gradient, velocity, i, learningRate, momentum, nesterov);
        else if (Vector256.IsHardwareAccelerated) i = Run<Lanes256>(value, gradient, velocity, i, learningRate, momentum, nesterov);
        Run<Lanes1>(value, gradient, velocity, i, learningRate, momentum, nesterov);
    }

    private static int Run<T>(Span<float> value, ReadOnlySpan<float> gradient, Span<float> velocity, int i, float learningRate, float momentum, bool nesterov)
        where T : struct, ILanes<T>
    {
        ref float p = ref MemoryMarshal.GetReference(value);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float v = ref MemoryMarshal.GetReference(velocity);
        T lr = T.Create(learningRate), mu = T.Create(momentum);
        for (; i <= value.Length - T.Count; i += T.Count)
        {
            T grad = T.Load(ref g, i);
            T vel = T.Load(ref v, i) * mu + grad;
            T.Store(vel, ref v, i);
            T.Store(T.Load(ref p, i) - lr * (nesterov ? grad + mu * vel : vel), ref p, i);
        }
        return i;
    }
}
