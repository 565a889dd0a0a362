using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Unroll;

/// <summary>
/// Batch normalisation over (batch, channels, spatial), per channel. Each channel's statistics come from its batch
/// planes of <c>spatial</c> values: within a plane, Vector512 loops keep 64 float partial sums (4 accumulators × 16 lanes)
/// so a plane's rounding error grows with spatial/64; the mean is summed as deviations from the channel's first value
/// (a shifted sum, immune to a large common offset); the planes' sums and everything derived from them (mean,
/// variance, inverse std, the backward coefficients) are combined in double. The variance is two-pass (Σ(x − mean)²),
/// so a large mean does not cancel away a small spread, and normalisation computes ((x − pivot) − (mean − pivot))·scale + beta
/// for the same reason. Large tensors split their channels across the worker threads.
/// </summary>
internal static class BatchNormKernels
{
    /// <summary>Values (batch·channels·spatial) below which the work stays on one thread: a fork costs a few microseconds.</summary>
    internal const long ParallelThreshold = 1L << 16;

    private enum Mode { Training, Inference, Backward }

    public static void Forward(FloatBuffer input, FloatBuffer? gamma, FloatBuffer? beta, FloatBuffer runningMean, FloatBuffer runningVariance,
        FloatBuffer output, FloatBuffer savedMean, FloatBuffer savedInverseStd,
        int batch, int channels, int spatial, float momentum, float epsilon, bool training)
    {
        const string op = "BatchNormForward";
        CheckSizes(batch, channels, spatial, op, training);
        var job = Job.Instance;
        job.X = KernelArgs.Need(input, nameof(input), batch, channels * spatial, op);
        job.Gamma = KernelArgs.NeedOptional(gamma, nameof(gamma), 1, channels, op);
        job.Beta = KernelArgs.NeedOptional(beta, nameof(beta), 1, channels, op);
        job.RunningMean = KernelArgs.Need(runningMean, nameof(runningMean), 1, channels, op);
        job.RunningVariance = KernelArgs.Need(runningVariance, nameof(runningVariance), 1, channels, op);
        job.Y = KernelArgs.Need(output, nameof(output), batch, channels * spatial, op);
        if (training)
        {
            job.SavedMean = KernelArgs.Need(savedMean, nameof(savedMean), 1, channels, op);
            job.SavedInverseStd = KernelArgs.Need(savedInverseStd, nameof(savedInverseStd), 1, channels, op);
        }
        (job.Batch, job.Channels, job.Spatial, job.Momentum, job.Epsilon, job.Mode) =
            (batch, channels, spatial, momentum, epsilon, training ? Mode.Training : Mode.Inference);
        Dispatch(job, batch, channels, spatial);
    }

    public static void Backward(FloatBuffer input, FloatBuffer? gamma, FloatBuffer savedMean, FloatBuffer savedInverseStd,
        FloatBuffer outputGradient, FloatBuffer inputGradient, FloatBuffer? gammaGradient, FloatBuffer? betaGradient,
        int batch, int channels, int spatial)
    {
        const string op = "BatchNormBackward";
        CheckSizes(batch, channels, spatial, op, true);
        var job = Job.Instance;
        job.X = KernelArgs.Need(input, nameof(input), batch, channels * spatial, op);
        job.Gamma = KernelArgs.NeedOptional(gamma, nameof(gamma), 1, channels, op);
        job.SavedMean = KernelArgs.Need(savedMean, nameof(savedMean), 1, channels, op);
        job.SavedInverseStd = KernelArgs.Need(savedInverseStd, nameof(savedInverseStd), 1, channels, op);
        job.Dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, channels * spatial, op);
        job.Y = KernelArgs.Need(inputGradient, nameof(inputGradient), batch, channels * spatial, op);
        job.GammaGradient = KernelArgs.NeedOptional(gammaGradient, nameof(gammaGradient), 1, channels, op);
        job.BetaGradient = KernelArgs.NeedOptional(betaGradient, nameof(betaGradient), 1, channels, op);
        (job.Batch, job.Channels, job.Spatial, job.Mode) = (batch, channels, spatial, Mode.Backward);
        Dispatch(job, batch, channels, spatial);
    }

    private static void CheckSizes(int batch, int channels, int spatial, string op, bool needsBatch)
    {
        if (channels <= 0 || spatial <= 0 || batch < 0 || (needsBatch && batch == 0))
            throw new ArgumentException($"{op}: batch ({batch}), channels ({channels}) and spatial ({spatial}) must be positive.");
    }

    private static void Dispatch(Job job, int batch, int channels, int spatial)
    {
        long work = (long)batch * channels * spatial;
        int threads = Math.Min(CpuParallel.ThreadCount, channels);
        try { CpuParallel.Run(job, work >= ParallelThreshold ? threads : 1); }
        finally { job.Clear(); }
    }

    /// <summary>The one long-lived job: fields set before each call, so a fork allocates nothing. Calls are serialised by the caller (one network per thread).</summary>
    private sealed class Job : ParallelWork
    {
        [ThreadStatic] private static Job? _instance;
        public static Job Instance => _instance ??= new Job();

        public float[] X = null!, Y = null!, RunningMean = null!, RunningVariance = null!, SavedMean = null!, SavedInverseStd = null!, Dy = null!;
        public float[]? Gamma, Beta, GammaGradient, BetaGradient;
        public int Batch, Channels, Spatial;
        public float Momentum, Epsilon;
        public Mode Mode;

        public void Clear()
        {
            X = Y = RunningMean = RunningVariance = SavedMean = SavedInverseStd = Dy = null!;
            Gamma = Beta = GammaGradient = BetaGradient = null;
        }

        public override void Run(int worker, int workers)
        {
            int start = Channels * worker / workers, end = Channels * (worker + 1) / workers;
            for (int c = start; c < end; c++)
            {
                switch (Mode)
                {
                    case Mode.Training: TrainingChannel(c); break;
                    case Mode.Inference: InferenceChannel(c); break;
                    default: BackwardChannel(c); break;
                }
            }
        }

        private ReadOnlySpan<float> Plane(float[] a, int n, int c) => new(a, (n * Channels + c) * Spatial, Spatial);

        private void TrainingChannel(int c)
        {
            long count = (long)Batch * Spatial;
            // Shifted by the channel's first value, so that a large common offset costs no precision in the sum.
            float pivot = X[c * Spatial];
            double sum = 0;
            for (int n = 0; n < Batch; n++) sum += SumDeviation(Plane(X, n, c), pivot);
            double mean = pivot + sum / count;
            double squares = 0;
            for (int n = 0; n < Batch; n++) squares += SumSquaredDeviation(Plane(X, n, c), (float)mean);
            double variance = squares / count;
            double inverseStd = 1.0 / Math.Sqrt(variance + Epsilon);
            SavedMean[c] = (float)mean;
            SavedInverseStd[c] = (float)inverseStd;
            double unbiased = count > 1 ? squares / (count - 1) : variance;
            RunningMean[c] = (float)(Momentum * (double)RunningMean[c] + (1 - (double)Momentum) * mean);
            RunningVariance[c] = (float)(Momentum * (double)RunningVariance[c] + (1 - (double)Momentum) * unbiased);
            // The mean as pivot + a small float remainder: x − pivot is exact for x near the pivot, so a large offset survives.
            Normalize(c, pivot, (float)(mean - pivot), (float)((Gamma?[c] ?? 1f) * inverseStd));
        }

        private void InferenceChannel(int c)
        {
            double inverseStd = 1.0 / Math.Sqrt(RunningVariance[c] + (double)Epsilon);
            Normalize(c, RunningMean[c], 0f, (float)((Gamma?[c] ?? 1f) * inverseStd));
        }

        private void Normalize(int c, float mean, float meanRemainder, float scale)
        {
            float shift = Beta?[c] ?? 0f;
            for (int n = 0; n < Batch; n++)
                Affine(Plane(X, n, c), mean, meanRemainder, scale, shift, new Span<float>(Y, (n * Channels + c) * Spatial, Spatial));
        }

        private void BackwardChannel(int c)
        {
            long count = (long)Batch * Spatial;
            float mean = SavedMean[c];
            double inverseStd = SavedInverseStd[c];
            double sumDy = 0, sumDyCentered = 0;
            for (int n = 0; n < Batch; n++)
            {
                var dy = Plane(Dy, n, c);
                sumDy += TensorPrimitives.Sum(dy);
                sumDyCentered += SumProductDeviation(dy, Plane(X, n, c), mean);
            }
            double sumDyXhat = sumDyCentered * inverseStd;
            if (GammaGradient is not null) GammaGradient[c] = (float)sumDyXhat;
            if (BetaGradient is not null) BetaGradient[c] = (float)sumDy;
            // dx = γ·invstd/n · (n·dy − Σdy − x̂·Σ(dy·x̂)) = k·dy + a·(x − mean) + b
            double k = (Gamma?[c] ?? 1f) * inverseStd;
            double a = -k * inverseStd * sumDyXhat / count, b = -k * sumDy / count;
            for (int n = 0; n < Batch; n++)
                BackwardCombine(Plane(Dy, n, c), Plane(X, n, c), mean, (float)k, (float)a, (float)b,
                    new Span<float>(Y, (n * Channels + c) * Spatial, Spatial));
        }
    }

    // ---- Vector loops ----------------------------------------------------------------------------------------------

    /// <summary>Σ (x − m).</summary>
    internal static float SumDeviation(ReadOnlySpan<float> x, float m)
    {
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && x.Length >= 64)
        {
            ref float r = ref MemoryMarshal.GetReference(x);
            var vm = Vector512.Create(m);
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i <= x.Length - 64; i += 64)
            {
                a0 += Vector512.LoadUnsafe(ref r, (nuint)i) - vm;
                a1 += Vector512.LoadUnsafe(ref r, (nuint)(i + 16)) - vm;
                a2 += Vector512.LoadUnsafe(ref r, (nuint)(i + 32)) - vm;
                a3 += Vector512.LoadUnsafe(ref r, (nuint)(i + 48)) - vm;
            }
            for (; i <= x.Length - 16; i += 16) a0 += Vector512.LoadUnsafe(ref r, (nuint)i) - vm;
            sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        for (; i < x.Length; i++) sum += x[i] - m;
        return sum;
    }

    /// <summary>Σ (x − m)².</summary>
    internal static float SumSquaredDeviation(ReadOnlySpan<float> x, float m)
    {
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && x.Length >= 64)
        {
            ref float r = ref MemoryMarshal.GetReference(x);
            var vm = Vector512.Create(m);
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i <= x.Length - 64; i += 64)
            {
                var d0 = Vector512.LoadUnsafe(ref r, (nuint)i) - vm; a0 = Vector512.FusedMultiplyAdd(d0, d0, a0);
                var d1 = Vector512.LoadUnsafe(ref r, (nuint)(i + 16)) - vm; a1 = Vector512.FusedMultiplyAdd(d1, d1, a1);
                var d2 = Vector512.LoadUnsafe(ref r, (nuint)(i + 32)) - vm; a2 = Vector512.FusedMultiplyAdd(d2, d2, a2);
                var d3 = Vector512.LoadUnsafe(ref r, (nuint)(i + 48)) - vm; a3 = Vector512.FusedMultiplyAdd(d3, d3, a3);
            }
            for (; i <= x.Length - 16; i += 16) { var d = Vector512.LoadUnsafe(ref r, (nuint)i) - vm; a0 = Vector512.FusedMultiplyAdd(d, d, a0); }
            sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        for (; i < x.Length; i++) { float d = x[i] - m; sum += d * d; }
        return sum;
    }

    /// <summary>Σ dy·(x − m).</summary>
    internal static float SumProductDeviation(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float m)
    {
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && x.Length >= 64)
        {
            ref float rx = ref MemoryMarshal.GetReference(x);
            ref float rd = ref MemoryMarshal.GetReference(dy);
            var vm = Vector512.Create(m);
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i <= x.Length - 64; i += 64)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rd, (nuint)i), Vector512.LoadUnsafe(ref rx, (nuint)i) - vm, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rd, (nuint)(i + 16)), Vector512.LoadUnsafe(ref rx, (nuint)(i + 16)) - vm, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rd, (nuint)(i + 32)), Vector512.LoadUnsafe(ref rx, (nuint)(i + 32)) - vm, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rd, (nuint)(i + 48)), Vector512.LoadUnsafe(ref rx, (nuint)(i + 48)) - vm, a3);
            }
            for (; i <= x.Length - 16; i += 16)
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rd, (nuint)i), Vector512.LoadUnsafe(ref rx, (nuint)i) - vm, a0);
            sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        for (; i < x.Length; i++) sum += dy[i] * (x[i] - m);
        return sum;
    }

    /// <summary>y = ((x − m) − r)·s + b.</summary>
    private static void Affine(ReadOnlySpan<float> x, float m, float r, float s, float b, Span<float> y)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref float rx = ref MemoryMarshal.GetReference(x);
            ref float ry = ref MemoryMarshal.GetReference(y);
            Vector512<float> vm = Vector512.Create(m), vr = Vector512.Create(r), vs = Vector512.Create(s), vb = Vector512.Create(b);
            for (; i <= x.Length - 16; i += 16)
                Vector512.FusedMultiplyAdd((Vector512.LoadUnsafe(ref rx, (nuint)i) - vm) - vr, vs, vb).StoreUnsafe(ref ry, (nuint)i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            ref float rx = ref MemoryMarshal.GetReference(x);
            ref float ry = ref MemoryMarshal.GetReference(y);
            Vector256<float> vm = Vector256.Create(m), vr = Vector256.Create(r), vs = Vector256.Create(s), vb = Vector256.Create(b);
            for (; i <= x.Length - 8; i += 8)
                Vector256.FusedMultiplyAdd((Vector256.LoadUnsafe(ref rx, (nuint)i) - vm) - vr, vs, vb).StoreUnsafe(ref ry, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] = ((x[i] - m) - r) * s + b;
    }

    /// <summary>dx = k·dy + a·(x − m) + b.</summary>
    private static void BackwardCombine(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float m, float k, float a, float b, Span<float> dx)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref float rx = ref MemoryMarshal.GetReference(x);
            ref float rd = ref MemoryMarshal.GetReference(dy);
            ref float ro = ref MemoryMarshal.GetReference(dx);
            Vector512<float> vm = Vector512.Create(m), vk = Vector512.Create(k), va = Vector512.Create(a), vb = Vector512.Create(b);
            for (; i <= x.Length - 16; i += 16)
            {
                var t = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i) - vm, va, vb);
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rd, (nuint)i), vk, t).StoreUnsafe(ref ro, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            ref float rx = ref MemoryMarshal.GetReference(x);
            ref float rd = ref MemoryMarshal.GetReference(dy);
            ref float ro = ref MemoryMarshal.GetReference(dx);
            Vector256<float> vm = Vector256.Create(m), vk = Vector256.Create(k), va = Vector256.Create(a), vb = Vector256.Create(b);
            for (; i <= x.Length - 8; i += 8)
            {
                var t = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, (nuint)i) - vm, va, vb);
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rd, (nuint)i), vk, t).StoreUnsafe(ref ro, (nuint)i);
            }
        }
        for (; i < x.Length; i++) dx[i] = k * dy[i] + (a * (x[i] - m) + b);
    }
}
