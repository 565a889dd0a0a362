using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Unroll;

/// <summary>The micro-kernel a GEMM runs with; the best one the machine accelerates is the default.</summary>
public enum GemmKernel
{
    /// <summary>Plain scalar loops: any machine.</summary>
    Scalar,
    /// <summary>6×16 tiles of <see cref="Vector256{T}"/> FMAs (AVX2).</summary>
    Vector256,
    /// <summary>8×32 tiles of <see cref="Vector512{T}"/> FMAs (AVX-512).</summary>
    Vector512,
}

/// <summary>
/// Single-precision matrix multiply, C = alpha·op(A)·op(B) + beta·C, on row-major matrices with leading dimensions.
/// Goto/BLIS structure: B is packed into KC×NC blocks of NR-wide panels, A into MC×KC blocks of MR-tall panels (alpha
/// folded in), and a register-blocked micro-kernel keeps an MR×NR tile of C in vector registers.
/// </summary>
/// <example><code>
/// // C (m×n) = A (m×k) · Bᵀ, B stored n×k
/// Gemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n);
/// </code></example>
public static partial class Gemm
{
    // Cache blocking (Zen 5: 48 KiB L1d, 1 MiB L2): a KC×NR B panel (48 KiB) is reused from L1/L2 across the A panels,
    // an MC×KC block of A stays in L2 (360 KiB), a KC×NC block of B in L3 (3 MiB). KC 384 measured ahead of 192 and 256
    // (fewer passes over C); runs alternated on a shared, noisy host, so only the ordering is trustworthy.
    internal const int KC = 384;
    internal const int MC = 240;
    internal const int NC = 2048;

    /// <summary>Below this many multiply-adds (m·n·k) a GEMM runs on the calling thread only: waking a worker costs more.</summary>
    public const long ParallelThreshold = 1L << 18;

    /// <summary>The micro-kernel this machine runs by default.</summary>
    public static GemmKernel DefaultKernel { get; } =
        Vector512.IsHardwareAccelerated ? GemmKernel.Vector512 :
        Vector256.IsHardwareAccelerated ? GemmKernel.Vector256 : GemmKernel.Scalar;

    /// <summary>Single-threaded C = alpha·op(A)·op(B) + beta·C; op transposes when the flag is set. op(A) is m×k, op(B) k×n.</summary>
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        Validate(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        Core(DefaultKernel, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 0, m, 0, n, PackBuffers.ForCurrentThread());
    }

    /// <summary>Like <see cref="Multiply(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// but split across the worker threads when the product is large enough (<see cref="ParallelThreshold"/>).
    /// At most <c>maxThreads</c> threads run it; 0 means all of them.</summary>
    public static void MultiplyParallel(bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlyMemory<float> a, int lda, ReadOnlyMemory<float> b, int ldb,
        float beta, Memory<float> c, int ldc, int maxThreads = 0)
        => MultiplyParallel(DefaultKernel, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, maxThreads);

    /// <summary>As the public overload, with the micro-kernel chosen (tests run every kernel the machine can).</summary>
    internal static void MultiplyParallel(GemmKernel kernel, bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlyMemory<float> a, int lda, ReadOnlyMemory<float> b, int ldb,
        float beta, Memory<float> c, int ldc, int maxThreads = 0)
    {
        Validate(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        int threads = maxThreads <= 0 ? CpuParallel.ThreadCount : Math.Min(maxThreads, CpuParallel.ThreadCount);
        long work = (long)m * n * k;
        if (threads > 1 && work >= ParallelThreshold)
        {
            var job = GemmJob.Instance;
            job.Set(kernel, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            // Enough tiles for every thread, or fewer threads.
            int tiles = n >= m ? (n + NR(kernel) - 1) / NR(kernel) : (m + MR(kernel) - 1) / MR(kernel);
            try { CpuParallel.Run(job, Math.Min(threads, tiles)); }
            finally { job.Clear(); }
            return;
        }
        Core(kernel, transposeA, transposeB, m, n, k, alpha, a.Span, lda, b.Span, ldb, beta, c.Span, ldc, 0, m, 0, n, PackBuffers.ForCurrentThread());
    }

    /// <summary>Single-threaded, with the micro-kernel chosen.</summary>
    internal static void Multiply(GemmKernel kernel, bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        Validate(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        Core(kernel, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 0, m, 0, n, PackBuffers.ForCurrentThread());
    }

    /// <summary>Values <see cref="PackB(GemmKernel, bool, int, int, ReadOnlySpan{float}, int, Span{float})"/> writes for a k×n op(B).</summary>
    internal static int PackedBLength(GemmKernel kernel, int k, int n) => k * RoundUp(n, NR(kernel));

    /// <summary>
    /// Packs all of op(B) (k×n) once, for many products that share it (a recurrent layer's W_hh at every step): the
    /// KC×NC blocks <see cref="Core"/> would pack, one after another, block (jc, pc) at jc·k + pc·(its width rounded up
    /// to whole panels), so that <see cref="MultiplyPackedB"/> reads them instead of packing.
    /// </summary>
    internal static void PackB(GemmKernel kernel, bool transposeB, int k, int n, ReadOnlySpan<float> b, int ldb, Span<float> packed)
    {
        Validate(false, transposeB, 0, n, k, 0, 0, b.Length, ldb, 0, 0);
        if (packed.Length < PackedBLength(kernel, k, n)) throw new ArgumentException($"GEMM: {packed.Length} values cannot hold a packed {k}×{n} B.", nameof(packed));
        int nr = NR(kernel);
        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                PackB(transposeB, b, ldb, pc, kc, jc, nc, nr, packed.Slice(PackedBlockOffset(jc, pc, k, nc, nr)));
            }
        }
    }

    /// <summary>Single-threaded C = alpha·op(A)·B + beta·C with B packed by <see cref="PackB(GemmKernel, bool, int, int, ReadOnlySpan{float}, int, Span{float})"/>
    /// for the same kernel and sizes; the same results as the unpacked product, bit for bit.</summary>
    internal static void MultiplyPackedB(GemmKernel kernel, bool transposeA, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> packedB,
        float beta, Span<float> c, int ldc)
    {
        Validate(transposeA, false, m, n, k, a.Length, lda, -1, 0, c.Length, ldc);
        if (packedB.Length < PackedBLength(kernel, k, n)) throw new ArgumentException($"GEMM: {packedB.Length} values cannot hold a packed {k}×{n} B.", nameof(packedB));
        Core(kernel, transposeA, false, m, n, k, alpha, a, lda, default, 0, beta, c, ldc, 0, m, 0, n, PackBuffers.ForCurrentThread(), packedB);
    }

    private static int RoundUp(int value, int unit) => (value + unit - 1) / unit * unit;

    // NC is a whole number of panels, so the blocks before column jc hold exactly jc·k values.
    private static int PackedBlockOffset(int jc, int pc, int k, int nc, int nr) => jc * k + pc * RoundUp(nc, nr);

    internal static int MR(GemmKernel kernel) => kernel == GemmKernel.Vector512 ? 8 : 6;
    internal static int NR(GemmKernel kernel) => kernel == GemmKernel.Vector512 ? 32 : 16;

    private sealed class GemmJob : ParallelWork
    {
        [ThreadStatic] private static GemmJob? _instance;
        public static GemmJob Instance => _instance ??= new GemmJob();

        private GemmKernel _kernel;
        private bool _ta, _tb;
        private int _m, _n, _k, _lda, _ldb, _ldc;
        private float _alpha, _beta;
        private ReadOnlyMemory<float> _a, _b;
        private Memory<float> _c;

        public void Set(GemmKernel kernel, bool ta, bool tb, int m, int n, int k, float alpha, ReadOnlyMemory<float> a, int lda,
            ReadOnlyMemory<float> b, int ldb, float beta, Memory<float> c, int ldc)
        {
            (_kernel, _ta, _tb, _m, _n, _k, _alpha, _a, _lda, _b, _ldb, _beta, _c, _ldc) = (kernel, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }

        public void Clear() { _a = default; _b = default; _c = default; }

        public override void Run(int worker, int workers)
        {
            // Split the longer side into equal runs of whole tiles; each thread packs its own panels.
            int m0 = 0, m1 = _m, n0 = 0, n1 = _n;
            if (_n >= _m)
            {
                (n0, n1) = Split(_n, NR(_kernel), worker, workers);
            }
            else
            {
                (m0, m1) = Split(_m, MR(_kernel), worker, workers);
            }
            if (m0 >= m1 || n0 >= n1) return;
            Core(_kernel, _ta, _tb, _m, _n, _k, _alpha, _a.Span, _lda, _b.Span, _ldb, _beta, _c.Span, _ldc, m0, m1, n0, n1, PackBuffers.ForCurrentThread());
        }

        private static (int, int) Split(int length, int unit, int worker, int workers)
        {
            int units = (length + unit - 1) / unit;
            int start = (int)((long)units * worker / workers) * unit;
            int end = (int)((long)units * (worker + 1) / workers) * unit;
            return (Math.Min(start, length), Math.Min(end, length));
        }
    }

    private static void Validate(bool ta, bool tb, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"GEMM sizes must be non-negative (m {m}, n {n}, k {k}).");
        // Stored shapes: A is m×k (k×m when transposed), B is k×n (n×k when transposed), C is m×n.
        (int aRows, int aCols) = ta ? (k, m) : (m, k);
        (int bRows, int bCols) = tb ? (n, k) : (k, n);
        Check("A", aRows, aCols, aLength, lda);
        if (bLength >= 0) Check("B", bRows, bCols, bLength, ldb); // −1: B comes packed, its length checked by the caller
        Check("C", m, n, cLength, ldc);

        static void Check(string name, int rows, int cols, int length, int ld)
        {
            if (rows == 0 || cols == 0) return;
            if (ld < cols) throw new ArgumentException($"GEMM: leading dimension of {name} is {ld} but rows hold {cols} values.", name);
            long needed = (long)(rows - 1) * ld + cols;
            if (length < needed) throw new ArgumentException($"GEMM: {name} holds {length} values but a {rows}×{cols} matrix with leading dimension {ld} needs {needed}.", name);
        }
    }

    /// <summary>Per-thread packing buffers, allocated once at full block size.</summary>
    internal sealed class PackBuffers
    {
        [ThreadStatic] private static PackBuffers? _current;
        public readonly float[] A = new float[MC * KC];
        public readonly float[] B = new float[KC * NC];
        public static PackBuffers ForCurrentThread() => _current ??= new PackBuffers();
    }

    /// <summary>Computes the rows [m0, m1) and columns [n0, n1) of C.</summary>
    /// <remarks>With <paramref name="packedB"/> (all of B packed, read in place of <paramref name="b"/>), n0 must be 0.</remarks>
    private static void Core(GemmKernel kernel, bool ta, bool tb, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, int m0, int m1, int n0, int n1, PackBuffers buffers, ReadOnlySpan<float> packedB = default)
    {
        if (m1 <= m0 || n1 <= n0) return;
        if (k == 0 || alpha == 0f)
        {
            for (int i = m0; i < m1; i++)
            {
                var row = c.Slice(i * ldc + n0, n1 - n0);
                if (beta == 0f) row.Clear();
                else if (beta != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
            }
            return;
        }
        int mr = MR(kernel), nr = NR(kernel);
        Span<float> aPack = buffers.A;
        Span<float> edge = stackalloc float[8 * 32];
        for (int jc = n0; jc < n1; jc += NC)
        {
            int nc = Math.Min(NC, n1 - jc);
            for (int pc = 0; pc < k; pc += KC)
            {
                int kc = Math.Min(KC, k - pc);
                float betaBlock = pc == 0 ? beta : 1f;
                ReadOnlySpan<float> bPack;
                if (packedB.IsEmpty)
                {
                    PackB(tb, b, ldb, pc, kc, jc, nc, nr, buffers.B);
                    bPack = buffers.B;
                }
                else
                {
                    bPack = packedB.Slice(PackedBlockOffset(jc, pc, k, nc, nr));
                }
                for (int ic = m0; ic < m1; ic += MC)
                {
                    int mc = Math.Min(MC, m1 - ic);
                    PackA(ta, a, lda, ic, mc, pc, kc, mr, alpha, aPack);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int nTile = Math.Min(nr, nc - jr);
                        ref float bPanel = ref Unsafe.AsRef(in bPack[jr * kc]);
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int mTile = Math.Min(mr, mc - ir);
                            ref float aPanel = ref aPack[ir * kc];
                            int cOffset = (ic + ir) * ldc + jc + jr;
                            if (mTile == mr && nTile == nr)
                            {
                                RunKernel(kernel, kc, ref aPanel, ref bPanel, c.Slice(cOffset), ldc, betaBlock);
                            }
                            else
                            {
                                // Edge tile: compute the full tile into scratch, then add the valid part into C.
                                RunKernel(kernel, kc, ref aPanel, ref bPanel, edge, nr, 0f);
                                for (int r = 0; r < mTile; r++)
                                {
                                    var src = edge.Slice(r * nr, nTile);
                                    var dst = c.Slice(cOffset + r * ldc, nTile);
                                    if (betaBlock == 0f) src.CopyTo(dst);
                                    else for (int j = 0; j < nTile; j++) dst[j] = src[j] + betaBlock * dst[j];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static void RunKernel(GemmKernel kernel, int kc, ref float a, ref float b, Span<float> c, int ldc, float beta)
    {
        switch (kernel)
        {
            case GemmKernel.Vector512: Kernel8x32(kc, ref a, ref b, c, ldc, beta); break;
            case GemmKernel.Vector256: Kernel6x16(kc, ref a, ref b, c, ldc, beta); break;
            default: KernelScalar(kc, ref a, ref b, c, ldc, beta); break;
        }
    }

    /// <summary>Packs op(B)[pc..pc+kc, jc..jc+nc] as consecutive kc×nr panels (row p of a panel holds nr values), zero-padded.</summary>
    private static void PackB(bool tb, ReadOnlySpan<float> b, int ldb, int pc, int kc, int jc, int nc, int nr, Span<float> dst)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int width = Math.Min(nr, nc - jr);
            var panel = dst.Slice(jr * kc, kc * nr);
            if (!tb)
            {
                // op(B)[p, j] = B[p·ldb + j]: each panel row is a contiguous copy.
                for (int p = 0; p < kc; p++)
                {
                    b.Slice((pc + p) * ldb + jc + jr, width).CopyTo(panel.Slice(p * nr));
                    if (width < nr) panel.Slice(p * nr + width, nr - width).Clear();
                }
            }
            else
            {
                // op(B)[p, j] = B[j·ldb + p]: stored rows become panel columns.
                if (width < nr) panel.Clear();
                TransposeInto(b.Slice((jc + jr) * ldb + pc), ldb, width, kc, nr, 1f, panel);
            }
        }
    }

    /// <summary>Packs alpha·op(A)[ic..ic+mc, pc..pc+kc] as consecutive mr×kc panels (column p of a panel holds mr values), zero-padded.</summary>
    private static void PackA(bool ta, ReadOnlySpan<float> a, int lda, int ic, int mc, int pc, int kc, int mr, float alpha, Span<float> dst)
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int height = Math.Min(mr, mc - ir);
            var panel = dst.Slice(ir * kc, kc * mr);
            if (height < mr) panel.Clear();
            if (!ta)
            {
                // op(A)[i, p] = A[i·lda + p]: stored rows become panel columns.
                TransposeInto(a.Slice((ic + ir) * lda + pc), lda, height, kc, mr, alpha, panel);
            }
            else
            {
                // op(A)[i, p] = A[p·lda + i]: each panel column is a contiguous run of a stored row.
                CopyRows(a.Slice(pc * lda + ic + ir), lda, height, kc, mr, alpha, panel);
            }
        }
    }

    /// <summary>C[0..8, 0..32] = A panel · B panel + beta·C, with 16 zmm accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x32(int kc, ref float a, ref float b, Span<float> c, int ldc, float beta)
    {
        var c00 = Vector512<float>.Zero; var c01 = Vector512<float>.Zero;
        var c10 = Vector512<float>.Zero; var c11 = Vector512<float>.Zero;
        var c20 = Vector512<float>.Zero; var c21 = Vector512<float>.Zero;
        var c30 = Vector512<float>.Zero; var c31 = Vector512<float>.Zero;
        var c40 = Vector512<float>.Zero; var c41 = Vector512<float>.Zero;
        var c50 = Vector512<float>.Zero; var c51 = Vector512<float>.Zero;
        var c60 = Vector512<float>.Zero; var c61 = Vector512<float>.Zero;
        var c70 = Vector512<float>.Zero; var c71 = Vector512<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.LoadUnsafe(ref b);
            var b1 = Vector512.LoadUnsafe(ref b, 16);
            Vector512<float> ai;
            ai = Vector512.Create(a); c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(Unsafe.Add(ref a, 1)); c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(Unsafe.Add(ref a, 2)); c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(Unsafe.Add(ref a, 3)); c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(Unsafe.Add(ref a, 4)); c40 = Vector512.FusedMultiplyAdd(ai, b0, c40); c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(Unsafe.Add(ref a, 5)); c50 = Vector512.FusedMultiplyAdd(ai, b0, c50); c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(Unsafe.Add(ref a, 6)); c60 = Vector512.FusedMultiplyAdd(ai, b0, c60); c61 = Vector512.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(Unsafe.Add(ref a, 7)); c70 = Vector512.FusedMultiplyAdd(ai, b0, c70); c71 = Vector512.FusedMultiplyAdd(ai, b1, c71);
            a = ref Unsafe.Add(ref a, 8);
            b = ref Unsafe.Add(ref b, 32);
        }
        // Bounds: every row written lies inside c (checked once by the slice below).
        _ = c[7 * ldc + 31];
        ref float cr = ref c[0];
        Store(ref cr, c00, c01, beta); cr = ref Unsafe.Add(ref cr, ldc);
        Store(ref cr, c10, c11, beta); cr = ref Unsafe.Add(ref cr, ldc);
        Store(ref cr, c20, c21, beta); cr = ref Unsafe.Add(ref cr, ldc);
        Store(ref cr, c30, c31, beta); cr = ref Unsafe.Add(ref cr, ldc);
        Store(ref cr, c40, c41, beta); cr = ref Unsafe.Add(ref cr, ldc);
        Store(ref cr, c50, c51, beta); cr = ref Unsafe.Add(ref cr, ldc);
        Store(ref cr, c60, c61, beta); cr = ref Unsafe.Add(ref cr, ldc);
        Store(ref cr, c70, c71, beta);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Store(ref float row, Vector512<float> v0, Vector512<float> v1, float beta)
        {
            if (beta != 0f)
            {
                var bv = Vector512.Create(beta);
                v0 = Vector512.FusedMultiplyAdd(bv, Vector512.LoadUnsafe(ref row), v0);
                v1 = Vector512.FusedMultiplyAdd(bv, Vector512.LoadUnsafe(ref row, 16), v1);
            }
            v0.StoreUnsafe(ref row);
            v1.StoreUnsafe(ref row, 16);
        }
    }

    /// <summary>C[0..6, 0..16] = A panel · B panel + beta·C, with 12 ymm accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int kc, ref float a, ref float b, Span<float> c, int ldc, float beta)
    {
        var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero;
        var c40 = Vector256<float>.Zero; var c41 = Vector256<float>.Zero;
        var c50 = Vector256<float>.Zero; var c51 = Vector256<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.LoadUnsafe(ref b);
            var b1 = Vector256.LoadUnsafe(ref b, 8);
            Vector256<float> ai;
            ai = Vector256.Create(a); c00 = Vector256.FusedMultiplyAdd(ai, b0, c00); c01 = Vector256.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector256.Create(Unsafe.Add(ref a, 1)); c10 = Vector256.FusedMultiplyAdd(ai, b0, c10); c11 = Vector256.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector256.Create(Unsafe.Add(ref a, 2)); c20 = Vector256.FusedMultiplyAdd(ai, b0, c20); c21 = Vector256.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector256.Create(Unsafe.Add(ref a, 3)); c30 = Vector256.FusedMultiplyAdd(ai, b0, c30); c31 = Vector256.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector256.Create(Unsafe.Add(ref a, 4)); c40 = Vector256.FusedMultiplyAdd(ai, b0, c40); c41 = Vector256.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector256.Create(Unsafe.Add(ref a, 5)); c50 = Vector256.FusedMultiplyAdd(ai, b0, c50); c51 = Vector256.FusedMultiplyAdd(ai, b1, c51);
            a = ref Unsafe.Add(ref a, 6);
            b = ref Unsafe.Add(ref b, 16);
        }
        _ = c[5 * ldc + 15];
        ref float cr = ref c[0];
        Store(ref cr, c00, c01, beta); cr = ref Unsafe.Add(ref cr, ldc);
        Store(ref cr, c10, c11, beta); cr = ref Unsafe.Add(ref cr, ldc);
        Store(ref cr, c20, c21, beta); cr = ref Unsafe.Add(ref cr, ldc);
        Store(ref cr, c30, c31, beta); cr = ref Unsafe.Add(ref cr, ldc);
        Store(ref cr, c40, c41, beta); cr = ref Unsafe.Add(ref cr, ldc);
        Store(ref cr, c50, c51, beta);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Store(ref float row, Vector256<float> v0, Vector256<float> v1, float beta)
        {
            if (beta != 0f)
            {
                var bv = Vector256.Create(beta);
                v0 = Vector256.FusedMultiplyAdd(bv, Vector256.LoadUnsafe(ref row), v0);
                v1 = Vector256.FusedMultiplyAdd(bv, Vector256.LoadUnsafe(ref row, 8), v1);
            }
            v0.StoreUnsafe(ref row);
            v1.StoreUnsafe(ref row, 8);
        }
    }

    /// <summary>C[0..6, 0..16] = A panel · B panel + beta·C, in scalar code (machines without SIMD).</summary>
    private static void KernelScalar(int kc, ref float a, ref float b, Span<float> c, int ldc, float beta)
    {
        const int mr = 6, nr = 16;
        Span<float> acc = stackalloc float[mr * nr];
        acc.Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < mr; r++)
            {
                float ar = Unsafe.Add(ref a, p * mr + r);
                var row = acc.Slice(r * nr, nr);
                for (int j = 0; j < nr; j++) row[j] += ar * Unsafe.Add(ref b, p * nr + j);
            }
        }
        for (int r = 0; r < mr; r++)
        {
            var dst = c.Slice(r * ldc, nr);
            for (int j = 0; j < nr; j++) dst[j] = acc[r * nr + j] + (beta == 0f ? 0f : beta * dst[j]);
        }
    }
}
