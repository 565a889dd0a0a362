using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Unroll;

/// <summary>
/// Direct 2-D convolution for the small, stride-1 layers of networks like LeNet, with the output channels in the lanes of
/// one Vector512: each FMA multiplies one input value (broadcast) by the weights of all output channels. There is no
/// im2col: for a 5×5 kernel over a 10×10 output, copying the patches costs more than the arithmetic.
/// </summary>
/// <remarks>
/// <para>The weights are first transposed to [inChannels·kh·kw][16] (unused lanes zero). A padded layer reads a
/// zero-bordered copy of each sample, so the loops never test an edge. A row of eight output pixels keeps eight
/// accumulators (enough independent FMA chains to cover the latency); results go to a [pixels][16] scratch and are
/// transposed into the (channels, height, width) output.</para>
/// <para>Backward: the input gradient is a "full" correlation of the output gradient with the kernel flipped and the
/// channel roles swapped (stride 1 allows it): with whole dx rows in the lanes when a row fits in one vector and there
/// are at most eight input channels, otherwise the forward kernel itself. The weight gradient sums, for each weight row,
/// input value × output-gradient vector over the pixels, with the output gradient transposed to [pixels][16].</para>
/// <para>Batches split across threads by sample; each thread has its own scratch and weight-gradient partial.</para>
/// </remarks>
internal static class DirectConv2DKernels
{
    private const int Lanes = 16;

    /// <summary>Stride 1, no groups, at most 16 channels in and out, padding inside the kernel, and a 512-bit FMA unit.</summary>
    public static bool Applies(in Conv2DGeometry g) =>
        Vector512.IsHardwareAccelerated && g.Groups == 1 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.OutChannels <= Lanes && g.InChannels <= Lanes
        && g.PadTop >= 0 && g.PadLeft >= 0 && g.PadTop < g.KernelHeight && g.PadLeft < g.KernelWidth
        && BottomPad(g) >= 0 && BottomPad(g) < g.KernelHeight
        && RightPad(g) >= 0 && RightPad(g) < g.KernelWidth;

    private static int BottomPad(in Conv2DGeometry g) => g.OutHeight - 1 + g.KernelHeight - g.InHeight - g.PadTop;

    private static int RightPad(in Conv2DGeometry g) => g.OutWidth - 1 + g.KernelWidth - g.InWidth - g.PadLeft;

    private static int PatchRows(in Conv2DGeometry g) => g.InChannels * g.KernelHeight * g.KernelWidth;

    /// <summary>The same layer seen from its output gradient: what produces the input gradient.</summary>
    private static Conv2DGeometry Flipped(in Conv2DGeometry g) => new(
        g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, g.KernelHeight, g.KernelWidth, 1, 1,
        g.KernelHeight - 1 - g.PadTop, g.KernelWidth - 1 - g.PadLeft, g.InHeight, g.InWidth);

    /// <summary>The same layer reading an explicitly zero-padded copy of its input: no padding left to check.</summary>
    private static Conv2DGeometry Padded(in Conv2DGeometry g) => g with
    {
        InHeight = g.OutHeight + g.KernelHeight - 1, InWidth = g.OutWidth + g.KernelWidth - 1, PadTop = 0, PadLeft = 0,
    };

    private static bool HasPadding(in Conv2DGeometry g) => g.PadTop != 0 || g.PadLeft != 0 || BottomPad(g) != 0 || RightPad(g) != 0;

    // Workspace: both transposed weight tables, then per thread a pixel scratch, a transposed output gradient, a
    // weight-gradient partial, an input-gradient scratch and a zero-padded input copy.
    private static int SharedLength(in Conv2DGeometry g) => (PatchRows(g) + g.OutChannels * g.KernelHeight * g.KernelWidth) * Lanes;

    // Plus one vector of slack: the row kernel's 16-wide loads may run past the last row (into lanes it drops).
    private static int PaddedLength(in Conv2DGeometry g) => Math.Max(Padded(g).InputSize, Padded(Flipped(g)).InputSize) + Lanes;

    private static int SlotLength(in Conv2DGeometry g) =>
        (2 * g.OutHeight * g.OutWidth + PatchRows(g) + g.InHeight * g.InWidth) * Lanes + PaddedLength(g);

    public static int WorkspaceLength(in Conv2DGeometry g) => checked(SharedLength(g) + CpuParallel.ThreadCount * SlotLength(g));

    private static int Threads(in Conv2DGeometry g, int batch, float[] ws)
    {
        long work = (long)batch * g.OutputSize * PatchRows(g);
        if (batch < 2 || work < Gemm.ParallelThreshold) return 1;
        return Math.Min(Math.Min(CpuParallel.ThreadCount, batch), (ws.Length - SharedLength(g)) / SlotLength(g));
    }

    private static void CheckWorkspace(in Conv2DGeometry g, float[] ws)
    {
        if (ws.Length < SharedLength(g) + SlotLength(g))
            throw new ArgumentException($"workspace holds {ws.Length} values but a direct convolution needs at least {SharedLength(g) + SlotLength(g)}; size it with Conv2DWorkspaceLength.", "workspace");
    }

    public static void Forward(float[] x, float[] w, float[]? b, float[] y, float[] ws, int batch, in Conv2DGeometry g)
    {
        CheckWorkspace(g, ws);
        TransposeWeights(w, ws, 0, g, flip: false);
        Run(Mode.Forward, x, b, y, null, null, ws, batch, g);
    }

    public static void Backward(float[] x, float[] w, float[] dy, float[]? dx, float[] dw, float[] ws, int batch, in Conv2DGeometry g)
    {
        CheckWorkspace(g, ws);
        if (dx is not null) TransposeWeights(w, ws, PatchRows(g) * Lanes, g, flip: true);
        int threads = Run(Mode.Backward, x, null, dy, dx, dw, ws, batch, g);
        // dW[oc, r] = Σ over threads of partial[r][oc].
        int rows = PatchRows(g), shared = SharedLength(g), slot = SlotLength(g), partial = 2 * g.OutHeight * g.OutWidth * Lanes;
        for (int oc = 0; oc < g.OutChannels; oc++)
            for (int r = 0; r < rows; r++)
            {
                float sum = 0f;
                for (int t = 0; t < threads; t++) sum += ws[shared + t * slot + partial + r * Lanes + oc];
                dw[oc * rows + r] = sum;
            }
    }

    private enum Mode { Forward, Backward }

    /// <summary>Runs every sample, split across threads when worth it; returns the number of threads (of weight partials).</summary>
    private static int Run(Mode mode, float[] x, float[]? b, float[] y, float[]? dx, float[]? dw, float[] ws, int batch, in Conv2DGeometry g)
    {
        int threads = Threads(g, batch, ws);
        if (threads > 1)
        {
            var job = Job.Instance;
            (job.Mode, job.X, job.B, job.Y, job.Dx, job.Ws, job.Batch, job.G) = (mode, x, b, y, dx, ws, batch, g);
            try { CpuParallel.Run(job, threads); }
            finally { (job.X, job.B, job.Y, job.Dx, job.Ws) = (null!, null, null!, null, null!); }
            return threads;
        }
        Samples(mode, x, b, y, dx, ws, 0, batch, 0, g);
        return 1;
    }

    private sealed class Job : ParallelWork
    {
        [ThreadStatic] private static Job? _instance;
        public static Job Instance => _instance ??= new Job();
        public Mode Mode;
        public float[] X = null!, Y = null!, Ws = null!;
        public float[]? B, Dx;
        public int Batch;
        public Conv2DGeometry G;

        public override void Run(int worker, int workers) =>
            Samples(Mode, X, B, Y, Dx, Ws, Batch * worker / workers, Batch * (worker + 1) / workers, worker, G);
    }

    /// <summary>Forward: y ← conv(x). Backward (y is the output gradient): this thread's weight partial and dx.</summary>
    private static void Samples(Mode mode, float[] x, float[]? b, float[] y, float[]? dx, float[] ws, int first, int end, int worker, in Conv2DGeometry g)
    {
        int pixels = g.OutHeight * g.OutWidth, rows = PatchRows(g);
        int slot = SharedLength(g) + worker * SlotLength(g);
        int scratch = slot, transposed = slot + pixels * Lanes, partial = transposed + pixels * Lanes, inputScratch = partial + rows * Lanes;
        int padded = inputScratch + g.InHeight * g.InWidth * Lanes;
        if (mode == Mode.Forward)
        {
            for (int n = first; n < end; n++)
                Correlate(x, n * g.InputSize, ws, 0, b, y, n * g.OutputSize, ws, scratch, padded, g);
            return;
        }
        new Span<float>(ws, partial, rows * Lanes).Clear();
        var flipped = Flipped(g);
        for (int n = first; n < end; n++)
        {
            TransposeToPixels(y, n * g.OutputSize, g.OutChannels, pixels, ws, transposed);
            AccumulateWeightGradient(x, n * g.InputSize, ws, transposed, ws, partial, ws, padded, g);
            if (dx is null) continue;
            if (RowLanes(g)) InputGradientByRows(y, n * g.OutputSize, ws, rows * Lanes, dx, n * g.InputSize, ws, padded, g);
            else Correlate(y, n * g.OutputSize, ws, rows * Lanes, null, dx, n * g.InputSize, ws, inputScratch, padded, flipped);
        }
    }

    /// <summary>
    /// wT[(c·kh + i)·kw + j][oc] = w[oc, c, i, j]; flipped (for the input gradient, channel roles swapped):
    /// wT[(oc·kh + i)·kw + j][c] = w[oc, c, kh−1−i, kw−1−j]. Lanes past the channel count are zero.
    /// </summary>
    private static void TransposeWeights(float[] w, float[] ws, int offset, in Conv2DGeometry g, bool flip)
    {
        int taps = g.KernelHeight * g.KernelWidth, rows = g.InChannels * taps;
        int lanesUsed = flip ? g.InChannels : g.OutChannels;
        if (lanesUsed < Lanes) new Span<float>(ws, offset, (flip ? g.OutChannels * taps : rows) * Lanes).Clear();
        if ((uint)(offset + Math.Max(rows, g.OutChannels * taps) * Lanes) > (uint)ws.Length || g.WeightSize > w.Length) throw new IndexOutOfRangeException();
        ref float dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(ws), offset);
        ref float src = ref MemoryMarshal.GetArrayDataReference(w);
        for (int oc = 0; oc < g.OutChannels; oc++)
        {
            ref float filter = ref Unsafe.Add(ref src, oc * rows);
            if (!flip)
            {
                for (int r = 0; r < rows; r++) Unsafe.Add(ref dst, r * Lanes + oc) = Unsafe.Add(ref filter, r);
                continue;
            }
            // Tap t = i·kw + j of channel c lands at tap (taps − 1 − t) of row block oc, lane c.
            for (int c = 0; c < g.InChannels; c++)
                for (int t = 0; t < taps; t++)
                    Unsafe.Add(ref dst, (oc * taps + taps - 1 - t) * Lanes + c) = Unsafe.Add(ref filter, c * taps + t);
        }
    }

    /// <summary>
    /// t[p·16 + oc] = src[offset + oc·pixels + p] for oc &lt; channels. Lanes past the channel count keep whatever they
    /// held: they only feed weight-gradient lanes that are never read, and lanes never mix.
    /// </summary>
    private static void TransposeToPixels(float[] src, int offset, int channels, int pixels, float[] t, int tOffset)
    {
        for (int oc = 0; oc < channels; oc++)
            for (int p = 0; p < pixels; p++)
                t[tOffset + p * Lanes + oc] = src[offset + oc * pixels + p];
    }

    /// <summary>One sample: y[oc, oy, ox] = bias[oc] + Σ x[c, oy+i−pt, ox+j−pl]·w[oc, c, i, j], weights read transposed from ws[wOffset..].</summary>
    /// <remarks>A padded layer first copies its input into a zero-bordered plane at <paramref name="padOffset"/>: the loops
    /// then never meet the edge, where checking each tap would cost more than the arithmetic.</remarks>
    private static void Correlate(float[] x, int xOffset, float[] wt, int wOffset, float[]? bias, float[] y, int yOffset,
        float[] scratch, int sOffset, int padOffset, Conv2DGeometry g)
    {
        if (HasPadding(g)) (x, xOffset, g) = (scratch, padOffset, PadInput(x, xOffset, scratch, padOffset, g));
        int ow = g.OutWidth, pixels = g.OutHeight * ow;
        if ((uint)(xOffset + g.InputSize) > (uint)x.Length || (uint)(sOffset + pixels * Lanes) > (uint)scratch.Length
            || (uint)(wOffset + PatchRows(g) * Lanes) > (uint)wt.Length)
            throw new IndexOutOfRangeException();
        Span<float> biasLanes = stackalloc float[Lanes];
        biasLanes.Clear();
        if (bias is not null) bias.AsSpan(0, g.OutChannels).CopyTo(biasLanes);
        var start = Vector512.Create((ReadOnlySpan<float>)biasLanes);
        ref float xs = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), xOffset);
        ref float ws = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(wt), wOffset);
        ref float ts = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(scratch), sOffset);
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            // Blocks of eight pixels, then one of four, then single pixels. When the row is at least eight wide, its end is
            // covered by a block overlapping the one before it (it recomputes the same values) if that wastes less.
            int ox = 0;
            for (; ox + 8 <= ow; ox += 8) Block8(ref xs, ref ws, ref Unsafe.Add(ref ts, (oy * ow + ox) * Lanes), start, oy, ox, g);
            int rest = ow - ox;
            if (rest > 4 && ow >= 8) { Block8(ref xs, ref ws, ref Unsafe.Add(ref ts, (oy * ow + ow - 8) * Lanes), start, oy, ow - 8, g); continue; }
            if (rest >= 4 || (rest > 0 && ow >= 4))
            {
                int block = Math.Min(ox, ow - 4);
                Block4(ref xs, ref ws, ref Unsafe.Add(ref ts, (oy * ow + block) * Lanes), start, oy, block, g);
                ox = block + 4;
            }
            for (; ox < ow; ox++) Single(ref xs, ref ws, ref Unsafe.Add(ref ts, (oy * ow + ox) * Lanes), start, oy, ox, g);
        }
        for (int oc = 0; oc < g.OutChannels; oc++)
            for (int p = 0; p < pixels; p++)
                y[yOffset + oc * pixels + p] = Unsafe.Add(ref ts, p * Lanes + oc);
    }

    /// <summary>Copies one sample into a zero-bordered plane at scratch[padOffset..]; returns the geometry that reads it.</summary>
    private static Conv2DGeometry PadInput(float[] x, int xOffset, float[] scratch, int padOffset, in Conv2DGeometry g)
    {
        var p = Padded(g);
        var plane = new Span<float>(scratch, padOffset, p.InputSize + Lanes);
        plane.Clear();
        for (int c = 0; c < g.InChannels; c++)
            for (int iy = 0; iy < g.InHeight; iy++)
                new ReadOnlySpan<float>(x, xOffset + (c * g.InHeight + iy) * g.InWidth, g.InWidth)
                    .CopyTo(plane.Slice((c * p.InHeight + iy + g.PadTop) * p.InWidth + g.PadLeft));
        return p;
    }

    /// <summary>
    /// Whether the input gradient is cheaper with its rows in the lanes (<see cref="InputGradientByRows"/>): a row of dx
    /// fits in one vector and there are few input channels, which would leave most channel lanes empty.
    /// </summary>
    private static bool RowLanes(in Conv2DGeometry g) => g.InWidth <= Lanes && g.InChannels <= 8;

    /// <summary>
    /// dx[c, iy, 0..IW) = Σ over (oc, i, j) of flippedW[oc, i, j][c]·dyPadded[oc, iy + i, j .. j + IW): a whole dx row per
    /// FMA, eight input channels at a time (the flipped weight table's lanes past the channel count are zero).
    /// </summary>
    private static void InputGradientByRows(float[] dy, int dyOffset, float[] wt, int wOffset, float[] dx, int dxOffset,
        float[] scratch, int padOffset, in Conv2DGeometry g)
    {
        var f = Flipped(g);
        var p = PadInput(dy, dyOffset, scratch, padOffset, f);
        int kh = g.KernelHeight, kw = g.KernelWidth, iw = g.InWidth;
        if ((uint)(padOffset + p.InputSize + Lanes) > (uint)scratch.Length || (uint)(wOffset + g.OutChannels * kh * kw * Lanes) > (uint)wt.Length
            || (uint)(dxOffset + g.InputSize) > (uint)dx.Length)
            throw new IndexOutOfRangeException();
        ref float pad = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(scratch), padOffset);
        ref float w = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(wt), wOffset);
        Span<float> row = stackalloc float[Lanes];
        for (int iy = 0; iy < g.InHeight; iy++)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int oc = 0; oc < g.OutChannels; oc++)
                for (int i = 0; i < kh; i++)
                {
                    ref float source = ref Unsafe.Add(ref pad, (oc * p.InHeight + iy + i) * p.InWidth);
                    ref float taps = ref Unsafe.Add(ref w, (oc * kh + i) * kw * Lanes);
                    for (int j = 0; j < kw; j++)
                    {
                        var v = Vector512.LoadUnsafe(ref source, (nuint)j);
                        ref float t = ref Unsafe.Add(ref taps, j * Lanes);
                        a0 = Vector512.FusedMultiplyAdd(Vector512.Create(t), v, a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref t, 1)), v, a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref t, 2)), v, a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref t, 3)), v, a3);
                        a4 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref t, 4)), v, a4);
                        a5 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref t, 5)), v, a5);
                        a6 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref t, 6)), v, a6);
                        a7 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref t, 7)), v, a7);
                    }
                }
            for (int c = 0; c < g.InChannels; c++)
            {
                var sum = c switch { 0 => a0, 1 => a1, 2 => a2, 3 => a3, 4 => a4, 5 => a5, 6 => a6, _ => a7 };
                sum.CopyTo(row);
                row.Slice(0, iw).CopyTo(new Span<float>(dx, dxOffset + (c * g.InHeight + iy) * iw, iw));
            }
        }
    }

    // The blocks below read an unpadded input (Correlate pads a copy first): every tap of every pixel is inside.

    private static void Block8(ref float x, ref float w, ref float t, Vector512<float> start, int oy, int ox, in Conv2DGeometry g)
    {
        Vector512<float> a0 = start, a1 = start, a2 = start, a3 = start, a4 = start, a5 = start, a6 = start, a7 = start;
        int kh = g.KernelHeight, kw = g.KernelWidth, ih = g.InHeight, iw = g.InWidth;
        for (int c = 0; c < g.InChannels; c++)
            for (int i = 0; i < kh; i++)
            {
                ref float row = ref Unsafe.Add(ref x, (c * ih + oy + i) * iw + ox);
                ref float wRow = ref Unsafe.Add(ref w, (c * kh + i) * kw * Lanes);
                for (int j = 0; j < kw; j++)
                {
                    var wv = Vector512.LoadUnsafe(ref wRow, (nuint)(j * Lanes));
                    ref float r = ref Unsafe.Add(ref row, j);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(r), wv, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 1)), wv, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 2)), wv, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 3)), wv, a3);
                    a4 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 4)), wv, a4);
                    a5 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 5)), wv, a5);
                    a6 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 6)), wv, a6);
                    a7 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 7)), wv, a7);
                }
            }
        a0.StoreUnsafe(ref t, 0); a1.StoreUnsafe(ref t, 16); a2.StoreUnsafe(ref t, 32); a3.StoreUnsafe(ref t, 48);
        a4.StoreUnsafe(ref t, 64); a5.StoreUnsafe(ref t, 80); a6.StoreUnsafe(ref t, 96); a7.StoreUnsafe(ref t, 112);
    }

    private static void Block4(ref float x, ref float w, ref float t, Vector512<float> start, int oy, int ox, in Conv2DGeometry g)
    {
        Vector512<float> a0 = start, a1 = start, a2 = start, a3 = start;
        int kh = g.KernelHeight, kw = g.KernelWidth, ih = g.InHeight, iw = g.InWidth;
        for (int c = 0; c < g.InChannels; c++)
            for (int i = 0; i < kh; i++)
            {
                ref float row = ref Unsafe.Add(ref x, (c * ih + oy + i) * iw + ox);
                ref float wRow = ref Unsafe.Add(ref w, (c * kh + i) * kw * Lanes);
                for (int j = 0; j < kw; j++)
                {
                    var wv = Vector512.LoadUnsafe(ref wRow, (nuint)(j * Lanes));
                    ref float r = ref Unsafe.Add(ref row, j);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(r), wv, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 1)), wv, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 2)), wv, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 3)), wv, a3);
                }
            }
        a0.StoreUnsafe(ref t, 0); a1.StoreUnsafe(ref t, 16); a2.StoreUnsafe(ref t, 32); a3.StoreUnsafe(ref t, 48);
    }

    private static void Single(ref float x, ref float w, ref float t, Vector512<float> start, int oy, int ox, in Conv2DGeometry g)
    {
        var a = start;
        int kh = g.KernelHeight, kw = g.KernelWidth, ih = g.InHeight, iw = g.InWidth;
        for (int c = 0; c < g.InChannels; c++)
            for (int i = 0; i < kh; i++)
            {
                ref float row = ref Unsafe.Add(ref x, (c * ih + oy + i) * iw + ox);
                ref float wRow = ref Unsafe.Add(ref w, (c * kh + i) * kw * Lanes);
                for (int j = 0; j < kw; j++)
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref row, j)), Vector512.LoadUnsafe(ref wRow, (nuint)(j * Lanes)), a);
            }
        a.StoreUnsafe(ref t);
    }

    /// <summary>
    /// partial[r][oc] += Σ over pixels of x[c, oy+i−pt, ox+j−pl]·dy[oc, oy, ox], with r = (c·kh + i)·kw + j and dy
    /// transposed to pixels × channel lanes. The input is read from a zero-padded copy (with slack after it), so no tap is checked; for each
    /// (c, i) every output-gradient vector is loaded once and used for four taps j at a time (four FMA chains).
    /// </summary>
    private static void AccumulateWeightGradient(float[] x, int xOffset, float[] dyT, int dyOffset, float[] partial, int pOffset,
        float[] scratch, int padOffset, in Conv2DGeometry g)
    {
        // Always a copy, padded or not: the last block of taps may read up to three values past the input's end.
        var p = PadInput(x, xOffset, scratch, padOffset, g);
        (x, xOffset) = (scratch, padOffset);
        int kh = g.KernelHeight, kw = g.KernelWidth, oh = g.OutHeight, ow = g.OutWidth, pw = p.InWidth;
        if ((uint)(xOffset + p.InputSize) > (uint)x.Length || (uint)(dyOffset + oh * ow * Lanes) > (uint)dyT.Length
            || (uint)(pOffset + PatchRows(g) * Lanes) > (uint)partial.Length)
            throw new IndexOutOfRangeException();
        ref float xs = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), xOffset);
        ref float d = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(dyT), dyOffset);
        ref float sums = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(partial), pOffset);
        for (int c = 0; c < g.InChannels; c++)
            for (int i = 0; i < kh; i++)
                for (int j0 = 0; j0 < kw; j0 += 4)
                {
                    int taps = Math.Min(4, kw - j0);
                    Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    for (int oy = 0; oy < oh; oy++)
                    {
                        ref float row = ref Unsafe.Add(ref xs, (c * p.InHeight + oy + i) * pw + j0);
                        ref float dRow = ref Unsafe.Add(ref d, oy * ow * Lanes);
                        for (int ox = 0; ox < ow; ox++)
                        {
                            var dv = Vector512.LoadUnsafe(ref dRow, (nuint)(ox * Lanes));
                            ref float r = ref Unsafe.Add(ref row, ox);
                            // Taps past the kernel's width read padding or the next row; their sums are never stored.
                            a0 = Vector512.FusedMultiplyAdd(Vector512.Create(r), dv, a0);
                            a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 1)), dv, a1);
                            a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 2)), dv, a2);
                            a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref r, 3)), dv, a3);
                        }
                    }
                    int first = ((c * kh + i) * kw + j0) * Lanes;
                    Add(ref sums, first, a0);
                    if (taps > 1) Add(ref sums, first + Lanes, a1);
                    if (taps > 2) Add(ref sums, first + 2 * Lanes, a2);
                    if (taps > 3) Add(ref sums, first + 3 * Lanes, a3);
                }

        static void Add(ref float sums, int offset, Vector512<float> value) =>
            (Vector512.LoadUnsafe(ref sums, (nuint)offset) + value).StoreUnsafe(ref sums, (nuint)offset);
    }
}
