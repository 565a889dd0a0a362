using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Unroll;

/// <summary>
/// Direct depthwise convolution: <see cref="Conv2DGeometry.Groups"/> == InChannels, output channel oc = c·M + m reads input
/// channel c only (M = OutChannels / InChannels, the depth multiplier); weights are [OutChannels, 1, kh, kw].
/// im2col + a GEMM per group spends nearly all its time packing 1×(kh·kw) matrices; this kernel instead copies each input
/// plane once into a zero-padded, column-polyphase scratch plane P (phase p holds padded columns p, p + sw, p + 2sw, …),
/// so that for any stride the 16 outputs ox..ox+15 of a kernel tap (i, j) read 16 consecutive values of P: one Vector512
/// load and one FMA per tap. Output rows go 4 at a time (independent FMA chains); rows are padded to whole vectors in
/// the scratch, and only the real outputs are stored.
/// Backward: dW[oc, i, j] = Σ dy·P (dy copied into a zero-padded plane Q, so the padding lanes add nothing); dx is a
/// gather: each padded input cell sums w·dy over the taps that read it, vector by vector, then the valid cells are copied
/// out. Channels are split across threads; each thread owns its channels' weight gradients, so no reduction is needed.
/// Machines without AVX-512 run a plain scalar loop.
/// </summary>
internal static class DepthwiseConv2DKernels
{
    private const int V = 16; // Vector512<float>.Count

    /// <summary>Whether this kernel can compute the geometry (checked geometry: groups divide both channel counts).</summary>
    public static bool Handles(in Conv2DGeometry g) => g.Groups == g.InChannels;

    /// <summary>
    /// Whether convolutions take this kernel by default. A single-channel input (LeNet's first layer) is "depthwise"
    /// too, but without AVX-512 this kernel runs scalar, and there the im2col product measured 2.7× faster for it.
    /// </summary>
    public static bool Applies(in Conv2DGeometry g) => Handles(g) && (Vectorized || g.InChannels > 1);

    /// <summary>Scratch layout of one thread.</summary>
    private readonly record struct Layout(int M, int Owv, int Qw, int Ph, int Lb, int Qs, int Qwv, int PLength, int QLength, int RowLength)
    {
        public int SlotLength => PLength + QLength + RowLength;
        public int PRow(int sw) => sw * Qw;
    }

    private static Layout LayoutOf(in Conv2DGeometry g)
    {
        int sw = g.StrideWidth, m = g.OutChannels / g.InChannels;
        int owv = RoundUp(g.OutWidth);
        int qw = Math.Max(owv + (g.KernelWidth - 1) / sw, (g.PadLeft + g.InWidth + sw - 1) / sw);
        int ph = Math.Max((g.OutHeight - 1) * g.StrideHeight + g.KernelHeight, g.PadTop + g.InHeight);
        int lb = (g.KernelWidth - 1) / sw;
        int qwv = RoundUp(qw);
        int qs = lb + qwv;
        return new Layout(m, owv, qw, ph, lb, qs, qwv, checked(ph * sw * qw), checked(m * g.OutHeight * qs), sw * qwv);
    }

    private static int RoundUp(int n) => (n + V - 1) / V * V;

    private static bool Vectorized => Vector512.IsHardwareAccelerated;

    /// <summary>Scratch values one thread needs (0 for the scalar fallback).</summary>
    public static int SlotLength(in Conv2DGeometry g) => Vectorized ? LayoutOf(g).SlotLength : 0;

    private static int Threads(in Conv2DGeometry g, int batch, float[] ws, int slot, string op)
    {
        if (ws.Length < slot)
            throw new ArgumentException($"workspace holds {ws.Length} values but {op} needs at least {slot}; size it with Conv2DWorkspaceLength.", "workspace");
        long work = (long)batch * g.OutputSize * g.KernelHeight * g.KernelWidth;
        if (g.InChannels < 2 || work < Gemm.ParallelThreshold) return 1;
        int slots = slot == 0 ? CpuParallel.ThreadCount : ws.Length / slot;
        return Math.Min(Math.Min(slots, CpuParallel.ThreadCount), g.InChannels);
    }

    /// <remarks><paramref name="vectorized"/> false forces the scalar fallback (tests).</remarks>
    public static void Forward(float[] x, float[] w, float[]? b, float[] y, float[] ws, int batch, in Conv2DGeometry g, bool vectorized = true)
    {
        var job = Job.Instance;
        job.Vector = vectorized && Vectorized && g.KernelHeight * g.KernelWidth <= MaxTaps;
        (job.X, job.W, job.B, job.Y, job.Ws, job.Batch, job.G, job.Backward, job.Dy, job.Dx, job.Dw) = (x, w, b, y, ws, batch, g, false, null!, null, null!);
        Dispatch(job, g, batch, ws, "Conv2DForward");
    }

    public static void Backward(float[] x, float[] w, float[] dy, float[]? dx, float[] dw, float[] ws, int batch, in Conv2DGeometry g, bool vectorized = true)
    {
        var job = Job.Instance;
        job.Vector = vectorized && Vectorized && (long)g.KernelHeight * g.KernelWidth * (g.OutChannels / g.InChannels) <= MaxTaps;
        (job.X, job.W, job.B, job.Y, job.Ws, job.Batch, job.G, job.Backward, job.Dy, job.Dx, job.Dw) = (x, w, null, null!, ws, batch, g, true, dy, dx, dw);
        Dispatch(job, g, batch, ws, "Conv2DBackward");
    }

    private static void Dispatch(Job job, in Conv2DGeometry g, int batch, float[] ws, string op)
    {
        job.Layout = LayoutOf(g);
        job.Slot = job.Vector ? job.Layout.SlotLength : 0;
        int threads = Threads(g, batch, ws, job.Slot, op);
        try
        {
            CpuParallel.Run(job, threads);
        }
        finally
        {
            (job.X, job.W, job.B, job.Y, job.Ws, job.Dy, job.Dx, job.Dw) = (null!, null!, null, null!, null!, null!, null, null!);
        }
    }

    private sealed class Job : ParallelWork
    {
        [ThreadStatic] private static Job? _instance;
        public static Job Instance => _instance ??= new Job();

        public float[] X = null!, W = null!, Y = null!, Ws = null!, Dy = null!, Dw = null!;
        public float[]? B, Dx;
        public int Batch, Slot;
        public bool Backward, Vector;
        public Conv2DGeometry G;
        public Layout Layout;

        public override void Run(int worker, int workers)
        {
            int start = G.InChannels * worker / workers, end = G.InChannels * (worker + 1) / workers;
            int slot = worker * Slot;
            for (int c = start; c < end; c++)
            {
                if (!Backward)
                {
                    for (int n = 0; n < Batch; n++)
                        if (Vector) ForwardPlane(X, W, B, Y, Ws, slot, n, c, G, Layout);
                        else ScalarForwardPlane(X, W, B, Y, n, c, G, Layout.M);
                }
                else
                {
                    int kk = G.KernelHeight * G.KernelWidth;
                    new Span<float>(Dw, c * Layout.M * kk, Layout.M * kk).Clear();
                    for (int n = 0; n < Batch; n++)
                        if (Vector) BackwardPlane(X, W, Dy, Dx, Dw, Ws, slot, n, c, G, Layout);
                        else ScalarBackwardPlane(X, W, Dy, Dx, Dw, n, c, G, Layout.M);
                }
            }
        }
    }

    /// <summary>P[r, p, q] = x[c, r − padTop, q·sw + p − padLeft], zero outside the input.</summary>
    private static void BuildP(float[] x, int n, int c, in Conv2DGeometry g, Layout l, Span<float> p)
    {
        p.Clear();
        int sw = g.StrideWidth, iw = g.InWidth, prow = l.PRow(sw);
        var plane = new ReadOnlySpan<float>(x, (n * g.InChannels + c) * g.InHeight * iw, g.InHeight * iw);
        for (int iy = 0; iy < g.InHeight; iy++)
        {
            var src = plane.Slice(iy * iw, iw);
            var dst = p.Slice((iy + g.PadTop) * prow, prow);
            if (sw == 1) { src.CopyTo(dst.Slice(g.PadLeft)); continue; }
            int done = 0;
            if (sw == 2 && Avx512F.IsSupported)
            {
                // 32 columns at a time: even-indexed inputs to one phase, odd-indexed to the other (vpermt2ps).
                ref float rs = ref MemoryMarshal.GetReference(src);
                ref float rd = ref MemoryMarshal.GetReference(dst);
                int pe = g.PadLeft & 1;
                var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                var odds = evens + Vector512<int>.One;
                for (; done + 2 * V <= iw; done += 2 * V)
                {
                    var lo = Vector512.LoadUnsafe(ref rs, (nuint)done);
                    var hi = Vector512.LoadUnsafe(ref rs, (nuint)(done + V));
                    Avx512F.PermuteVar16x32x2(lo, evens, hi).StoreUnsafe(ref rd, (nuint)(pe * l.Qw + ((done + g.PadLeft) >> 1)));
                    Avx512F.PermuteVar16x32x2(lo, odds, hi).StoreUnsafe(ref rd, (nuint)((1 - pe) * l.Qw + ((done + 1 + g.PadLeft) >> 1)));
                }
            }
            for (int ph = 0; ph < sw; ph++)
            {
                // Input columns ix with (ix + padLeft) % sw == ph, at q = (ix + padLeft) / sw.
                int ix = ((ph - g.PadLeft) % sw + sw) % sw;
                if (ix < done) ix += (done - ix + sw - 1) / sw * sw;
                int q = (ix + g.PadLeft) / sw;
                var phase = dst.Slice(ph * l.Qw, l.Qw);
                for (; ix < iw; ix += sw, q++) phase[q] = src[ix];
            }
        }
    }

    /// <summary>Most taps (and, for dx, multiplier × taps) the vector kernels keep on the stack; more take the scalar loop.</summary>
    internal const int MaxTaps = 2048;

    private static void ForwardPlane(float[] x, float[] w, float[]? b, float[] y, float[] ws, int slot, int n, int c, in Conv2DGeometry g, Layout l)
    {
        var p = new Span<float>(ws, slot, l.PLength);
        BuildP(x, n, c, g, l, p);
        int kh = g.KernelHeight, kw = g.KernelWidth, kk = kh * kw, sh = g.StrideHeight, sw = g.StrideWidth, oh = g.OutHeight, ow = g.OutWidth;
        int prow = l.PRow(sw), step = sh * prow;
        // Offset in P of tap (i, j) relative to its output row's first input row: no division in the loops below.
        Span<int> taps = stackalloc int[kk];
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++) taps[i * kw + j] = i * prow + (j % sw) * l.Qw + j / sw;
        ref int rt = ref MemoryMarshal.GetReference(taps);
        ref float rp = ref MemoryMarshal.GetReference(p);
        Span<float> tail = stackalloc float[V];
        var tailMask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(ow % V)).AsSingle();
        for (int m = 0; m < l.M; m++)
        {
            int oc = c * l.M + m;
            ref float rw = ref w[oc * kk];
            var bias = Vector512.Create(b is null ? 0f : b[oc]);
            ref float ry = ref y[(n * g.OutChannels + oc) * oh * ow];
            int oy = 0;
            // Four output rows at a time: four independent FMA chains sharing each broadcast weight.
            for (; oy + 4 <= oh; oy += 4)
            {
                for (int v = 0; v < l.Owv; v += V)
                {
                    Vector512<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias;
                    int rowBase = oy * step + v;
                    for (int t = 0; t < kk; t++)
                    {
                        var wv = Vector512.Create(Unsafe.Add(ref rw, t));
                        ref float at = ref Unsafe.Add(ref rp, rowBase + Unsafe.Add(ref rt, t));
                        a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at), wv, a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)step), wv, a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)(2 * step)), wv, a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref at, (nuint)(3 * step)), wv, a3);
                    }
                    if (v + V <= ow)
                    {
                        a0.StoreUnsafe(ref ry, (nuint)(oy * ow + v));
                        a1.StoreUnsafe(ref ry, (nuint)((oy + 1) * ow + v));
                        a2.StoreUnsafe(ref ry, (nuint)((oy + 2) * ow + v));
                        a3.StoreUnsafe(ref ry, (nuint)((oy + 3) * ow + v));
                    }
                    else
                    {
                        StoreTail(a0, ref Unsafe.Add(ref ry, oy * ow + v), ow - v, tailMask, tail);
                        StoreTail(a1, ref Unsafe.Add(ref ry, (oy + 1) * ow + v), ow - v, tailMask, tail);
                        StoreTail(a2, ref Unsafe.Add(ref ry, (oy + 2) * ow + v), ow - v, tailMask, tail);
                        StoreTail(a3, ref Unsafe.Add(ref ry, (oy + 3) * ow + v), ow - v, tailMask, tail);
                    }
                }
            }
            for (; oy < oh; oy++)
            {
                for (int v = 0; v < l.Owv; v += V)
                {
                    Vector512<float> a0 = bias, a1 = Vector512<float>.Zero;
                    int rowBase = oy * step + v, t = 0;
                    for (; t + 1 < kk; t += 2)
                    {
                        a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rp, (nuint)(rowBase + Unsafe.Add(ref rt, t))), Vector512.Create(Unsafe.Add(ref rw, t)), a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rp, (nuint)(rowBase + Unsafe.Add(ref rt, t + 1))), Vector512.Create(Unsafe.Add(ref rw, t + 1)), a1);
                    }
                    if (t < kk)
                        a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rp, (nuint)(rowBase + Unsafe.Add(ref rt, t))), Vector512.Create(Unsafe.Add(ref rw, t)), a0);
                    a0 += a1;
                    if (v + V <= ow) a0.StoreUnsafe(ref ry, (nuint)(oy * ow + v));
                    else StoreTail(a0, ref Unsafe.Add(ref ry, oy * ow + v), ow - v, tailMask, tail);
                }
            }
        }
    }

    /// <summary>Stores the first <paramref name="count"/> lanes (a masked store on AVX-512, else through <paramref name="tail"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreTail(Vector512<float> value, ref float destination, int count, Vector512<float> mask, Span<float> tail)
    {
        if (Avx512F.IsSupported)
        {
            fixed (float* p = &destination) Avx512F.MaskStore(p, mask, value);
            return;
        }
        value.CopyTo(tail);
        tail.Slice(0, count).CopyTo(MemoryMarshal.CreateSpan(ref destination, count));
    }

    private static void BackwardPlane(float[] x, float[] w, float[] dy, float[]? dx, float[] dw, float[] ws, int slot, int n, int c,
        in Conv2DGeometry g, Layout l)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, kk = kh * kw, sh = g.StrideHeight, sw = g.StrideWidth, oh = g.OutHeight, ow = g.OutWidth;
        int prow = l.PRow(sw), step = sh * prow;
        var p = new Span<float>(ws, slot, l.PLength);
        var q = new Span<float>(ws, slot + l.PLength, l.QLength);
        var row = new Span<float>(ws, slot + l.PLength + l.QLength, l.RowLength);
        BuildP(x, n, c, g, l, p);
        // Q[m, oy, lb + ox] = dy[c·M + m, oy, ox], zero elsewhere.
        q.Clear();
        for (int m = 0; m < l.M; m++)
        {
            int oc = c * l.M + m;
            for (int oy = 0; oy < oh; oy++)
                new ReadOnlySpan<float>(dy, ((n * g.OutChannels + oc) * oh + oy) * ow, ow).CopyTo(q.Slice((m * oh + oy) * l.Qs + l.Lb));
        }
        ref float rp = ref MemoryMarshal.GetReference(p);
        ref float rq = ref MemoryMarshal.GetReference(q);

        // dW[oc, i, j] += Σ_oy Σ_ox Q[m, oy, lb + ox]·P[oy·sh + i, j % sw, ox + j / sw]
        for (int m = 0; m < l.M; m++)
        {
            int oc = c * l.M + m;
            ref float rqm = ref Unsafe.Add(ref rq, m * oh * l.Qs + l.Lb);
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                {
                    int pOff = i * prow + (j % sw) * l.Qw + j / sw;
                    Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    int oy = 0;
                    for (; oy + 2 <= oh; oy += 2)
                    {
                        ref float q0 = ref Unsafe.Add(ref rqm, oy * l.Qs);
                        ref float q1 = ref Unsafe.Add(ref rqm, (oy + 1) * l.Qs);
                        ref float p0 = ref Unsafe.Add(ref rp, oy * step + pOff);
                        ref float p1 = ref Unsafe.Add(ref p0, step);
                        int v = 0;
                        for (; v + 2 * V <= l.Owv; v += 2 * V)
                        {
                            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref q0, (nuint)v), Vector512.LoadUnsafe(ref p0, (nuint)v), a0);
                            a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref q0, (nuint)(v + V)), Vector512.LoadUnsafe(ref p0, (nuint)(v + V)), a1);
                            a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref q1, (nuint)v), Vector512.LoadUnsafe(ref p1, (nuint)v), a2);
                            a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref q1, (nuint)(v + V)), Vector512.LoadUnsafe(ref p1, (nuint)(v + V)), a3);
                        }
                        if (v < l.Owv)
                        {
                            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref q0, (nuint)v), Vector512.LoadUnsafe(ref p0, (nuint)v), a0);
                            a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref q1, (nuint)v), Vector512.LoadUnsafe(ref p1, (nuint)v), a2);
                        }
                    }
                    if (oy < oh)
                    {
                        ref float q0 = ref Unsafe.Add(ref rqm, oy * l.Qs);
                        ref float p0 = ref Unsafe.Add(ref rp, oy * step + pOff);
                        for (int v = 0; v < l.Owv; v += V)
                            a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref q0, (nuint)v), Vector512.LoadUnsafe(ref p0, (nuint)v), a1);
                    }
                    dw[(oc * kh + i) * kw + j] += Vector512.Sum((a0 + a1) + (a2 + a3));
                }
        }
        if (dx is null) return;

        // dx[iy, ix] = Σ_m Σ_(i, j) w[oc, i, j]·dy[oc, oy, ox] over the taps with oy·sh + i = iy + padTop and
        // ox·sw + j = ix + padLeft: per padded row r and phase ph, a vector over q of Σ w·Q[m, (r − i)/sh, lb + q − j/sw].
        // Each (r, ph) first lists its terms (offset in Q, weight), so the vector loop does no index arithmetic.
        Span<int> offsets = stackalloc int[l.M * kk];
        Span<float> weights = stackalloc float[l.M * kk];
        ref int ro = ref MemoryMarshal.GetReference(offsets);
        ref float rwt = ref MemoryMarshal.GetReference(weights);
        ref float rrow = ref MemoryMarshal.GetReference(row);
        var plane = new Span<float>(dx, (n * g.InChannels + c) * g.InHeight * g.InWidth, g.InHeight * g.InWidth);
        for (int iy = 0; iy < g.InHeight; iy++)
        {
            int r = iy + g.PadTop;
            for (int ph = 0; ph < sw; ph++)
            {
                int terms = 0;
                for (int m = 0; m < l.M; m++)
                {
                    int oc = c * l.M + m;
                    // Taps i ≡ r (mod sh), from the largest valid output row downwards.
                    for (int i = r % sh, oy = r / sh; i < kh && oy >= 0; i += sh, oy--)
                    {
                        if (oy >= oh) continue;
                        int qRow = (m * oh + oy) * l.Qs + l.Lb, wRow = (oc * kh + i) * kw;
                        for (int j = ph, back = 0; j < kw; j += sw, back++)
                        {
                            offsets[terms] = qRow - back;
                            weights[terms++] = w[wRow + j];
                        }
                    }
                }
                int v = 0;
                for (; v + 2 * V <= l.Qwv; v += 2 * V)
                {
                    Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    int t = 0;
                    for (; t + 1 < terms; t += 2)
                    {
                        var w0 = Vector512.Create(Unsafe.Add(ref rwt, t)); var w1 = Vector512.Create(Unsafe.Add(ref rwt, t + 1));
                        ref float s0 = ref Unsafe.Add(ref rq, Unsafe.Add(ref ro, t) + v);
                        ref float s1 = ref Unsafe.Add(ref rq, Unsafe.Add(ref ro, t + 1) + v);
                        a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref s0), w0, a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref s0, V), w0, a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref s1), w1, a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref s1, V), w1, a3);
                    }
                    if (t < terms)
                    {
                        var w0 = Vector512.Create(Unsafe.Add(ref rwt, t));
                        ref float s0 = ref Unsafe.Add(ref rq, Unsafe.Add(ref ro, t) + v);
                        a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref s0), w0, a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref s0, V), w0, a1);
                    }
                    (a0 + a2).StoreUnsafe(ref rrow, (nuint)(ph * l.Qwv + v));
                    (a1 + a3).StoreUnsafe(ref rrow, (nuint)(ph * l.Qwv + v + V));
                }
                if (v < l.Qwv)
                {
                    Vector512<float> a0 = default, a1 = default;
                    int t = 0;
                    for (; t + 1 < terms; t += 2)
                    {
                        a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rq, (nuint)(Unsafe.Add(ref ro, t) + v)), Vector512.Create(Unsafe.Add(ref rwt, t)), a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rq, (nuint)(Unsafe.Add(ref ro, t + 1) + v)), Vector512.Create(Unsafe.Add(ref rwt, t + 1)), a1);
                    }
                    if (t < terms)
                        a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rq, (nuint)(Unsafe.Add(ref ro, t) + v)), Vector512.Create(Unsafe.Add(ref rwt, t)), a0);
                    (a0 + a1).StoreUnsafe(ref rrow, (nuint)(ph * l.Qwv + v));
                }
            }
            var dst = plane.Slice(iy * g.InWidth, g.InWidth);
            if (sw == 1) row.Slice(g.PadLeft, g.InWidth).CopyTo(dst);
            else
                for (int ph = 0; ph < sw; ph++)
                {
                    int ix = ((ph - g.PadLeft) % sw + sw) % sw, qq = (ix + g.PadLeft) / sw;
                    var phase = row.Slice(ph * l.Qwv, l.Qwv);
                    for (; ix < g.InWidth; ix += sw, qq++) dst[ix] = phase[qq];
                }
        }
    }

    // ---- Scalar fallback (no AVX-512) ------------------------------------------------------------------------------

    private static void ScalarForwardPlane(float[] x, float[] w, float[]? b, float[] y, int n, int c, in Conv2DGeometry g, int mult)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, ih = g.InHeight, iw = g.InWidth;
        var plane = new ReadOnlySpan<float>(x, (n * g.InChannels + c) * ih * iw, ih * iw);
        for (int m = 0; m < mult; m++)
        {
            int oc = c * mult + m;
            var wk = new ReadOnlySpan<float>(w, oc * kh * kw, kh * kw);
            var dst = new Span<float>(y, (n * g.OutChannels + oc) * g.OutHeight * g.OutWidth, g.OutHeight * g.OutWidth);
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    float sum = b is null ? 0f : b[oc];
                    for (int i = 0; i < kh; i++)
                    {
                        int iy = oy * g.StrideHeight - g.PadTop + i;
                        if ((uint)iy >= (uint)ih) continue;
                        for (int j = 0; j < kw; j++)
                        {
                            int ix = ox * g.StrideWidth - g.PadLeft + j;
                            if ((uint)ix < (uint)iw) sum += plane[iy * iw + ix] * wk[i * kw + j];
                        }
                    }
                    dst[oy * g.OutWidth + ox] = sum;
                }
        }
    }

    private static void ScalarBackwardPlane(float[] x, float[] w, float[] dy, float[]? dx, float[] dw, int n, int c, in Conv2DGeometry g, int mult)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, ih = g.InHeight, iw = g.InWidth;
        var plane = new ReadOnlySpan<float>(x, (n * g.InChannels + c) * ih * iw, ih * iw);
        var grad = dx is null ? default : new Span<float>(dx, (n * g.InChannels + c) * ih * iw, ih * iw);
        grad.Clear();
        for (int m = 0; m < mult; m++)
        {
            int oc = c * mult + m;
            var wk = new ReadOnlySpan<float>(w, oc * kh * kw, kh * kw);
            var dwk = new Span<float>(dw, oc * kh * kw, kh * kw);
            var src = new ReadOnlySpan<float>(dy, (n * g.OutChannels + oc) * g.OutHeight * g.OutWidth, g.OutHeight * g.OutWidth);
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    float d = src[oy * g.OutWidth + ox];
                    for (int i = 0; i < kh; i++)
                    {
                        int iy = oy * g.StrideHeight - g.PadTop + i;
                        if ((uint)iy >= (uint)ih) continue;
                        for (int j = 0; j < kw; j++)
                        {
                            int ix = ox * g.StrideWidth - g.PadLeft + j;
                            if ((uint)ix >= (uint)iw) continue;
                            dwk[i * kw + j] += d * plane[iy * iw + ix];
                            if (dx is not null) grad[iy * iw + ix] += d * wk[i * kw + j];
                        }
                    }
                }
        }
    }
}
