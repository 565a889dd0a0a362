using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient)
    {
        Span<float> sum = State(0, index);
        float lr = LearningRate, eps = Epsilon;
        int i = 0;
        if (Vector512.IsHardwareAccelerated) i = Run<Lanes512>(value, gradient, sum, i, lr, eps);
        else if (Vector256.IsHardwareAccelerated) i = Run<Lanes256>(value, gradient, sum, i, lr, eps);
        Run<Lanes1>(value, gradient, sum, i, lr, eps);
    }

    private static int Run<T>(Span<float> value, ReadOnlySpan<float> gradient, Span<float> sum, int i, float learningRate, float epsilon)
        where T : struct, ILanes<T>
    {
        ref float p = ref MemoryMarshal.GetReference(value);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float s = ref MemoryMarshal.GetReference(sum);
        T lr = T.Create(learningRate), eps = T.Create(epsilon);
        for (; i <= value.Length - T.Count; i += T.Count)
        {
            T grad = T.Load(ref g, i);
            T acc = T.Load(ref s, i) + grad * grad;
            T.Store(acc, ref s, i);
            T.Store(T.Load(ref p, i) - lr * (grad / (T.Sqrt(acc) + eps)), ref p, i);
        }
        return i;
    }
}
