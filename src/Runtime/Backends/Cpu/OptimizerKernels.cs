using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Unroll;

/// <summary>
/// The optimizers' update rules over host memory, each written once over <see cref="ILanes{TSelf}"/> and run at 512-
/// or 256-bit width, then a scalar tail. No fused multiply-add, so results do not depend on the vector width.
/// </summary>
internal static class OptimizerKernels
{
    public static void Update(in OptimizerStep step, FloatBuffer value, FloatBuffer gradient, FloatBuffer? state0, FloatBuffer? state1, int length)
    {
        const string op = "OptimizerUpdate";
        var p = new Span<float>(KernelArgs.Need(value, nameof(value), 1, length, op), 0, length);
        var g = new ReadOnlySpan<float>(KernelArgs.Need(gradient, nameof(gradient), 1, length, op), 0, length);
        int slots = step.Rule switch
        {
            UpdateRule.Sgd => 0,
            UpdateRule.Adadelta or UpdateRule.Adam => 2,
            UpdateRule.Momentum or UpdateRule.Nesterov or UpdateRule.Adagrad or UpdateRule.RmsProp => 1,
            _ => throw new ArgumentOutOfRangeException(nameof(step), step.Rule, "Unknown update rule."),
        };
        var s0 = slots > 0 ? new Span<float>(KernelArgs.Need(state0!, nameof(state0), 1, length, op), 0, length) : default;
        var s1 = slots > 1 ? new Span<float>(KernelArgs.Need(state1!, nameof(state1), 1, length, op), 0, length) : default;
        // Decoupled weight decay shrinks the values before the rule reads them (PyTorch's AdamW: p.mul_(1 − lr·λ)).
        if (step.ValueScale != 1f) TensorPrimitives.Multiply(p, step.ValueScale, p);
        var lanes = new Spans(p, g, s0, s1);
        int i = 0;
        if (Vector512.IsHardwareAccelerated) i = Run<Lanes512>(step, lanes, i);
        else if (Vector256.IsHardwareAccelerated) i = Run<Lanes256>(step, lanes, i);
        Run<Lanes1>(step, lanes, i);
    }

    private readonly ref struct Spans(Span<float> value, ReadOnlySpan<float> gradient, Span<float> state0, Span<float> state1)
    {
        public readonly ref float P = ref MemoryMarshal.GetReference(value);
        public readonly ref float G = ref MemoryMarshal.GetReference(gradient);
        public readonly ref float S0 = ref MemoryMarshal.GetReference(state0);
        public readonly ref float S1 = ref MemoryMarshal.GetReference(state1);
        public readonly int Length = value.Length;
    }

    /// <summary>The gradient as the step reads it: clipped (scaled), plus L2 weight decay.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Gradient<T>(in OptimizerStep step, in Spans s, int i) where T : struct, ILanes<T>
    {
        var g = T.Load(ref s.G, i);
        if (!step.TransformsGradient) return g;
        return g * T.Create(step.GradientScale) + T.Create(step.WeightDecay) * T.Load(ref s.P, i);
    }

    private static int Run<T>(in OptimizerStep step, in Spans s, int i) where T : struct, ILanes<T> => step.Rule switch
    {
        UpdateRule.Sgd => Sgd<T>(step, s, i),
        UpdateRule.Momentum => Momentum<T>(step, s, i, nesterov: false),
        UpdateRule.Nesterov => Momentum<T>(step, s, i, nesterov: true),
        UpdateRule.Adagrad => Adagrad<T>(step, s, i),
        UpdateRule.RmsProp => RmsProp<T>(step, s, i),
        UpdateRule.Adadelta => Adadelta<T>(step, s, i),
        _ => Adam<T>(step, s, i),
    };

    private static int Sgd<T>(in OptimizerStep step, in Spans s, int i) where T : struct, ILanes<T>
    {
        T lr = T.Create(step.LearningRate);
        for (; i <= s.Length - T.Count; i += T.Count)
            T.Store(T.Load(ref s.P, i) - lr * Gradient<T>(step, s, i), ref s.P, i);
        return i;
    }

    private static int Momentum<T>(in OptimizerStep step, in Spans s, int i, bool nesterov) where T : struct, ILanes<T>
    {
        T lr = T.Create(step.LearningRate), mu = T.Create(step.Momentum);
        for (; i <= s.Length - T.Count; i += T.Count)
        {
            T grad = Gradient<T>(step, s, i);
            T velocity = T.Load(ref s.S0, i) * mu + grad;
            T.Store(velocity, ref s.S0, i);
            T.Store(T.Load(ref s.P, i) - lr * (nesterov ? grad + mu * velocity : velocity), ref s.P, i);
        }
        return i;
    }

    private static int Adagrad<T>(in OptimizerStep step, in Spans s, int i) where T : struct, ILanes<T>
    {
        T lr = T.Create(step.LearningRate), eps = T.Create(step.Epsilon);
        for (; i <= s.Length - T.Count; i += T.Count)
        {
            T grad = Gradient<T>(step, s, i);
            T sum = T.Load(ref s.S0, i) + grad * grad;
            T.Store(sum, ref s.S0, i);
            T.Store(T.Load(ref s.P, i) - lr * (grad / (T.Sqrt(sum) + eps)), ref s.P, i);
        }
        return i;
    }

    private static int RmsProp<T>(in OptimizerStep step, in Spans s, int i) where T : struct, ILanes<T>
    {
        T lr = T.Create(step.LearningRate), alpha = T.Create(step.Decay), oneMinusAlpha = T.Create(1f - step.Decay), eps = T.Create(step.Epsilon);
        for (; i <= s.Length - T.Count; i += T.Count)
        {
            T grad = Gradient<T>(step, s, i);
            T square = T.Load(ref s.S0, i) * alpha + oneMinusAlpha * grad * grad;
            T.Store(square, ref s.S0, i);
            T.Store(T.Load(ref s.P, i) - lr * (grad / (T.Sqrt(square) + eps)), ref s.P, i);
        }
        return i;
    }

    private static int Adadelta<T>(in OptimizerStep step, in Spans s, int i) where T : struct, ILanes<T>
    {
        T lr = T.Create(step.LearningRate), rho = T.Create(step.Decay), oneMinusRho = T.Create(1f - step.Decay), eps = T.Create(step.Epsilon);
        for (; i <= s.Length - T.Count; i += T.Count)
        {
            T grad = Gradient<T>(step, s, i);
            T square = T.Load(ref s.S0, i) * rho + oneMinusRho * grad * grad;
            T.Store(square, ref s.S0, i);
            T average = T.Load(ref s.S1, i);
            T delta = T.Sqrt(average + eps) / T.Sqrt(square + eps) * grad;
            T.Store(average * rho + oneMinusRho * delta * delta, ref s.S1, i);
            T.Store(T.Load(ref s.P, i) - lr * delta, ref s.P, i);
        }
        return i;
    }

    private static int Adam<T>(in OptimizerStep step, in Spans s, int i) where T : struct, ILanes<T>
    {
        T oneMinusBeta1 = T.Create(1f - step.Momentum), beta2 = T.Create(step.Decay), oneMinusBeta2 = T.Create(1f - step.Decay);
        T stepSize = T.Create(step.LearningRate), correction = T.Create(step.Correction), eps = T.Create(step.Epsilon);
        for (; i <= s.Length - T.Count; i += T.Count)
        {
            T grad = Gradient<T>(step, s, i);
            T mean = T.Load(ref s.S0, i);
            mean = mean + oneMinusBeta1 * (grad - mean);
            T variance = T.Load(ref s.S1, i) * beta2 + oneMinusBeta2 * grad * grad;
            T.Store(mean, ref s.S0, i);
            T.Store(variance, ref s.S1, i);
            T.Store(T.Load(ref s.P, i) - stepSize * (mean / (T.Sqrt(variance) / correction + eps)), ref s.P, i);
        }
        return i;
    }
}
