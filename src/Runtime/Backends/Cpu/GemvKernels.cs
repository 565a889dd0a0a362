using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Unroll;

/// <summary>
/// y[u] = x·W[u, :] + bias[u] for a few samples: the Dense forward at batch 1 (and up to <see cref="DenseKernels"/>'s small
/// batch limit), where packing W for a GEMM would cost more than the product. Four weight rows are read at a time, with
/// two accumulators each, so eight FMA chains hide the FMA latency; large matrices split their rows across the pool, so
/// that each core streams (and keeps in its own L2) half of the weights.
/// </summary>
internal static class GemvKernels
{
    /// <summary>Weights (units × inputs) from which the rows are split across threads.</summary>
    internal const int ParallelThreshold = 1 << 16;

    public static void Forward(float[] x, float[] w, float[]? b, float[] y, int batch, int inputs, int units)
    {
        if ((long)units * inputs >= ParallelThreshold && units >= 8)
        {
            var job = Job.Instance;
            (job.X, job.W, job.B, job.Y, job.Batch, job.Inputs, job.Units) = (x, w, b, y, batch, inputs, units);
            try { CpuParallel.Run(job, CpuParallel.ThreadCount); }
            finally { (job.X, job.W, job.B, job.Y) = (null!, null!, null, null!); }
            return;
        }
        Rows(Gemm.DefaultKernel, x, w, b, y, batch, inputs, units, 0, units);
    }

    private sealed class Job : ParallelWork
    {
        [ThreadStatic] private static Job? _instance;
        public static Job Instance => _instance ??= new Job();
        public float[] X = null!, W = null!, Y = null!;
        public float[]? B;
        public int Batch, Inputs, Units;

        // Split on multiples of 4 rows, so that every thread but the last runs whole groups of four.
        public override void Run(int worker, int workers)
        {
            int groups = (Units + 3) / 4;
            int start = Math.Min(Units, groups * worker / workers * 4), end = Math.Min(Units, groups * (worker + 1) / workers * 4);
            Rows(Gemm.DefaultKernel, X, W, B, Y, Batch, Inputs, Units, start, end);
        }
    }

    /// <summary>Rows [<paramref name="start"/>, <paramref name="end"/>) of y with the given vector width (tests run every width).</summary>
    internal static void Rows(GemmKernel width, float[] x, float[] w, float[]? b, float[] y, int batch, int inputs, int units, int start, int end)
    {
        for (int s = 0; s < batch; s++)
        {
            ref float xs = ref MemoryMarshal.GetArrayDataReference(x);
            xs = ref Unsafe.Add(ref xs, s * inputs);
            int u = start;
            for (; u + 4 <= end; u += 4)
            {
                var (d0, d1, d2, d3) = Dot4(width, ref xs, w, u * inputs, inputs);
                int o = s * units + u;
                y[o] = d0 + (b is null ? 0f : b[u]);
                y[o + 1] = d1 + (b is null ? 0f : b[u + 1]);
                y[o + 2] = d2 + (b is null ? 0f : b[u + 2]);
                y[o + 3] = d3 + (b is null ? 0f : b[u + 3]);
            }
            for (; u < end; u++)
                y[s * units + u] = Dot1(ref xs, w, u * inputs, inputs) + (b is null ? 0f : b[u]);
        }
    }

    /// <summary>Dot products of x with four consecutive rows of W starting at <paramref name="row0"/>.</summary>
    private static (float, float, float, float) Dot4(GemmKernel width, ref float x, float[] w, int row0, int n)
    {
        if ((uint)(row0 + 4 * n) > (uint)w.Length) throw new IndexOutOfRangeException();
        ref float r0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(w), row0);
        ref float r1 = ref Unsafe.Add(ref r0, n);
        ref float r2 = ref Unsafe.Add(ref r1, n);
        ref float r3 = ref Unsafe.Add(ref r2, n);
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        if (width == GemmKernel.Vector512 && n >= 32)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, c0 = default, c1 = default, c2 = default, c3 = default;
            for (; i + 32 <= n; i += 32)
            {
                var xa = Vector512.LoadUnsafe(ref x, (nuint)i);
                var xb = Vector512.LoadUnsafe(ref x, (nuint)(i + 16));
                a0 = Vector512.FusedMultiplyAdd(xa, Vector512.LoadUnsafe(ref r0, (nuint)i), a0);
                a1 = Vector512.FusedMultiplyAdd(xa, Vector512.LoadUnsafe(ref r1, (nuint)i), a1);
                a2 = Vector512.FusedMultiplyAdd(xa, Vector512.LoadUnsafe(ref r2, (nuint)i), a2);
                a3 = Vector512.FusedMultiplyAdd(xa, Vector512.LoadUnsafe(ref r3, (nuint)i), a3);
                c0 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadUnsafe(ref r0, (nuint)(i + 16)), c0);
                c1 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadUnsafe(ref r1, (nuint)(i + 16)), c1);
                c2 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadUnsafe(ref r2, (nuint)(i + 16)), c2);
                c3 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadUnsafe(ref r3, (nuint)(i + 16)), c3);
            }
            s0 = Vector512.Sum(a0 + c0); s1 = Vector512.Sum(a1 + c1); s2 = Vector512.Sum(a2 + c2); s3 = Vector512.Sum(a3 + c3);
        }
        else if (width != GemmKernel.Scalar && n >= 16)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, c0 = default, c1 = default, c2 = default, c3 = default;
            for (; i + 16 <= n; i += 16)
            {
                var xa = Vector256.LoadUnsafe(ref x, (nuint)i);
                var xb = Vector256.LoadUnsafe(ref x, (nuint)(i + 8));
                a0 = Vector256.FusedMultiplyAdd(xa, Vector256.LoadUnsafe(ref r0, (nuint)i), a0);
                a1 = Vector256.FusedMultiplyAdd(xa, Vector256.LoadUnsafe(ref r1, (nuint)i), a1);
                a2 = Vector256.FusedMultiplyAdd(xa, Vector256.LoadUnsafe(ref r2, (nuint)i), a2);
                a3 = Vector256.FusedMultiplyAdd(xa, Vector256.LoadUnsafe(ref r3, (nuint)i), a3);
                c0 = Vector256.FusedMultiplyAdd(xb, Vector256.LoadUnsafe(ref r0, (nuint)(i + 8)), c0);
                c1 = Vector256.FusedMultiplyAdd(xb, Vector256.LoadUnsafe(ref r1, (nuint)(i + 8)), c1);
                c2 = Vector256.FusedMultiplyAdd(xb, Vector256.LoadUnsafe(ref r2, (nuint)(i + 8)), c2);
                c3 = Vector256.FusedMultiplyAdd(xb, Vector256.LoadUnsafe(ref r3, (nuint)(i + 8)), c3);
            }
            s0 = Vector256.Sum(a0 + c0); s1 = Vector256.Sum(a1 + c1); s2 = Vector256.Sum(a2 + c2); s3 = Vector256.Sum(a3 + c3);
        }
        for (; i < n; i++)
        {
            float xi = Unsafe.Add(ref x, i);
            s0 += xi * Unsafe.Add(ref r0, i); s1 += xi * Unsafe.Add(ref r1, i);
            s2 += xi * Unsafe.Add(ref r2, i); s3 += xi * Unsafe.Add(ref r3, i);
        }
        return (s0, s1, s2, s3);
    }

    private static float Dot1(ref float x, float[] w, int row, int n) =>
        System.Numerics.Tensors.TensorPrimitives.Dot(MemoryMarshal.CreateReadOnlySpan(ref x, n), new ReadOnlySpan<float>(w, row, n));
}
