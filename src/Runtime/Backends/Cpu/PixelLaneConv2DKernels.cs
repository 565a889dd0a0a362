using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Unroll;

/// <summary>
/// Direct 2-D convolution forward with output pixels in the vector lanes and each weight broadcast from its place in the
/// (out, in, kh, kw) tensor, so the weights are never transposed or packed: a network's weights are read as they are,
/// on every call, at no cost beyond the arithmetic. For the small images of residual networks (4×4 to 28×28), where
/// im2col's copy and a general product over 16 to 196 columns cost more than the multiply-adds, this is several times
/// faster.
/// </summary>
/// <remarks>
/// <para>Each sample is first copied into its zero-padded extent, split into stride × stride phase planes
/// (plane (a, b) holds padded rows a, a + sh, … and columns b, b + sw, …). In a phase plane of width PW, output pixel
/// (oy, ox) at flat index oy·PW + ox reads tap (i, j) at that index plus a fixed offset, (i / sh)·PW + j / sw, in plane
/// (i mod sh, j mod sw): every tap is a contiguous, shifted run of the plane, for any stride. The output is computed on
/// that PW-wide grid; its columns past OW are computed from neighbouring values and dropped.</para>
/// <para>A block of four output channels by 24 grid pixels keeps twelve accumulators: per tap three loads, four
/// broadcasts, twelve FMAs. Blocks go to a small scratch, and the valid columns to the output with the bias added.
/// Work is split across threads in (sample, four channels) units, each computed by one thread in a fixed order, so
/// results do not depend on the split.</para>
/// </remarks>
internal static class PixelLaneConv2DKernels
{
    private const int Lanes = 8;
    private const int Channels = 4;
    private const int Pixels = 3 * Lanes;

    /// <summary>
    /// Ungrouped, at least four output channels, no negative leading padding, and a 256-bit FMA unit; and a kernel wider
    /// than 1×1 or at most 32 input channels: a 1×1 convolution is a plain product, which the packed, cache-blocked GEMM
    /// does about twice as fast once its inner dimension (the input channels) is larger (measured on ResNet-50's layers;
    /// the 3×3 and 7×7 ones ran 1.0 to 2.1 times as fast here as by im2col, FashionResNet's and LeNet's 2.6 to 3.3).
    /// </summary>
    public static bool Applies(in Conv2DGeometry g) =>
        Vector256.IsHardwareAccelerated && Fma.IsSupported
        && g.Groups == 1 && g.OutChannels >= Channels && g.PadTop >= 0 && g.PadLeft >= 0
        && (g.KernelHeight * g.KernelWidth > 1 || g.InChannels <= 32);

    private readonly record struct Layout(int PlaneHeight, int PlaneWidth, int GridPixels)
    {
        public int PlaneSize => PlaneHeight * PlaneWidth;
    }

    private static Layout LayoutOf(in Conv2DGeometry g)
    {
        // The padded extent the output reads, rounded up to whole phases.
        int paddedHeight = (g.OutHeight - 1) * g.StrideHeight + g.KernelHeight;
        int paddedWidth = (g.OutWidth - 1) * g.StrideWidth + g.KernelWidth;
        int planeHeight = (paddedHeight + g.StrideHeight - 1) / g.StrideHeight;
        int planeWidth = (paddedWidth + g.StrideWidth - 1) / g.StrideWidth;
        int grid = (g.OutHeight * planeWidth + Pixels - 1) / Pixels * Pixels;
        return new Layout(planeHeight, planeWidth, grid);
    }

    private static int PlanesLength(in Conv2DGeometry g, Layout l) => g.InChannels * g.StrideHeight * g.StrideWidth * l.PlaneSize;

    // One share's slot: the phase planes of the sample under way, slack for the last block's reads past the last
    // plane (into lanes that are dropped), and a block's results.
    private static int SlotLength(in Conv2DGeometry g)
    {
        var l = LayoutOf(g);
        return checked(PlanesLength(g, l) + l.GridPixels + l.PlaneSize + Channels * l.GridPixels);
    }

    public static int WorkspaceLength(in Conv2DGeometry g) => checked(CpuParallel.ThreadCount * SlotLength(g));

    private static int ChannelBlocks(in Conv2DGeometry g) => (g.OutChannels + Channels - 1) / Channels;

    private static int Shares(in Conv2DGeometry g, int batch, int workspaceLength)
    {
        // A share of less than about a million multiply-adds (40 µs) gains less than a fork costs on these machines, whose
        // second core is often slow to respond (measured: every FashionResNet layer at batch 1 ran faster on one thread).
        long work = (long)batch * g.OutputSize * g.InChannels * g.KernelHeight * g.KernelWidth;
        long shares = Math.Min(Math.Min(CpuParallel.ThreadCount, work >> 20), (long)batch * ChannelBlocks(g));
        return (int)Math.Max(1, Math.Min(shares, workspaceLength / SlotLength(g)));
    }

    public static void Forward(float[] x, float[] w, float[]? b, float[] y, float[] ws, int batch, in Conv2DGeometry g)
    {
        int slot = SlotLength(g);
        if (ws.Length < slot)
            throw new ArgumentException($"workspace holds {ws.Length} values but a direct convolution needs at least {slot}; size it with Conv2DWorkspaceLength.", "workspace");
        if (batch == 0) return;
        int shares = Shares(g, batch, ws.Length);
        if (shares > 1)
        {
            var job = Job.Instance;
            (job.X, job.W, job.B, job.Y, job.Ws, job.Batch, job.G) = (x, w, b, y, ws, batch, g);
            try { CpuParallel.Run(job, shares); }
            finally { (job.X, job.W, job.B, job.Y, job.Ws) = (null!, null!, null, null!, null!); }
            return;
        }
        Units(x, w, b, y, ws, 0, 0, batch * ChannelBlocks(g), g);
    }

    private sealed class Job : ParallelWork
    {
        [ThreadStatic] private static Job? _instance;
        public static Job Instance => _instance ??= new Job();
        public float[] X = null!, W = null!, Y = null!, Ws = null!;
        public float[]? B;
        public int Batch;
        public Conv2DGeometry G;

        public override void Run(int worker, int workers)
        {
            long units = (long)Batch * ChannelBlocks(G);
            Units(X, W, B, Y, Ws, worker * SlotLength(G), (int)(units * worker / workers), (int)(units * (worker + 1) / workers), G);
        }
    }

    /// <summary>Units start … end − 1, unit u being sample u / blocks, output channels 4·(u mod blocks) onwards.</summary>
    private static void Units(float[] x, float[] w, float[]? b, float[] y, float[] ws, int slot, int start, int end, in Conv2DGeometry g)
    {
        var l = LayoutOf(g);
        int blocks = ChannelBlocks(g), planes = slot, results = slot + PlanesLength(g, l) + l.GridPixels + l.PlaneSize;
        int taps = g.KernelHeight * g.KernelWidth, filter = g.InChannels * taps;
        // Block and CopyRow read and write unchecked: within the slot (see SlotLength), the weights and the output.
        if ((uint)(results + Channels * l.GridPixels) > (uint)ws.Length || w.Length < g.OutChannels * filter
            || (long)y.Length < (long)(end + blocks - 1) / blocks * g.OutputSize)
            throw new IndexOutOfRangeException();
        Span<int> offsets = stackalloc int[taps];
        for (int i = 0; i < g.KernelHeight; i++)
            for (int j = 0; j < g.KernelWidth; j++)
                offsets[i * g.KernelWidth + j] = ((i % g.StrideHeight) * g.StrideWidth + j % g.StrideWidth) * l.PlaneSize
                    + i / g.StrideHeight * l.PlaneWidth + j / g.StrideWidth;
        int channelStride = g.StrideHeight * g.StrideWidth * l.PlaneSize;
        ref float xs = ref MemoryMarshal.GetArrayDataReference(ws);
        ref float wt = ref MemoryMarshal.GetArrayDataReference(w);
        ref float yt = ref MemoryMarshal.GetArrayDataReference(y);
        int prepared = -1;
        for (int unit = start; unit < end; unit++)
        {
            int n = unit / blocks;
            if (n != prepared) { SplitPhases(x, n * g.InputSize, ws, planes, g, l); prepared = n; }
            // The last block of a channel count that is not a multiple of four overlaps the one before: it recomputes
            // the same values, the same way.
            int oc0 = Math.Min((unit % blocks) * Channels, g.OutChannels - Channels);
            for (int q = 0; q < l.GridPixels; q += Pixels)
                Block(ref Unsafe.Add(ref xs, planes + q), ref Unsafe.Add(ref wt, oc0 * filter), ref Unsafe.Add(ref xs, results + q),
                    offsets, g.InChannels, channelStride, filter, l.GridPixels);
            for (int c = 0; c < Channels; c++)
            {
                int oc = oc0 + c;
                var bias = Vector256.Create(b is null ? 0f : b[oc]);
                ref float source = ref Unsafe.Add(ref xs, results + c * l.GridPixels);
                ref float target = ref Unsafe.Add(ref yt, (n * g.OutChannels + oc) * g.OutHeight * g.OutWidth);
                for (int oy = 0; oy < g.OutHeight; oy++)
                    CopyRow(ref Unsafe.Add(ref source, oy * l.PlaneWidth), ref Unsafe.Add(ref target, oy * g.OutWidth), g.OutWidth, bias);
            }
        }
    }

    /// <summary>target[0 .. width) = source[0 .. width) + bias: whole vectors, the last one overlapping the one before.</summary>
    private static void CopyRow(ref float source, ref float target, int width, Vector256<float> bias)
    {
        if (width >= Lanes)
        {
            for (int i = 0; i < width - Lanes; i += Lanes)
                (Vector256.LoadUnsafe(ref source, (nuint)i) + bias).StoreUnsafe(ref target, (nuint)i);
            (Vector256.LoadUnsafe(ref source, (nuint)(width - Lanes)) + bias).StoreUnsafe(ref target, (nuint)(width - Lanes));
        }
        else if (width >= 4)
        {
            var half = bias.GetLower();
            (Vector128.LoadUnsafe(ref source) + half).StoreUnsafe(ref target);
            (Vector128.LoadUnsafe(ref source, (nuint)(width - 4)) + half).StoreUnsafe(ref target, (nuint)(width - 4));
        }
        else
            for (int i = 0; i < width; i++) Unsafe.Add(ref target, i) = Unsafe.Add(ref source, i) + bias.ToScalar();
    }

    /// <summary>
    /// Writes sample n's phase planes into ws[planes..], zero where the padding is: every value of each plane a tap reads
    /// is written once (planes of phases no tap reads, as a 1×1 stride-2 kernel's, are skipped).
    /// </summary>
    private static void SplitPhases(float[] x, int sample, float[] ws, int planes, in Conv2DGeometry g, Layout l)
    {
        int sh = g.StrideHeight, sw = g.StrideWidth, pw = l.PlaneWidth, iw = g.InWidth;
        int rowPhases = Math.Min(sh, g.KernelHeight), columnPhases = Math.Min(sw, g.KernelWidth);
        // Unchecked below: the planes lie in the slot (SlotLength) and every row read lies in the sample.
        if ((uint)(planes + PlanesLength(g, l)) > (uint)ws.Length || (uint)(sample + g.InputSize) > (uint)x.Length)
            throw new IndexOutOfRangeException();
        ref float input = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), sample);
        ref float output = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(ws), planes);
        for (int b = 0; b < columnPhases; b++)
        {
            // Plane column k is input column b + k·sw − padLeft: the columns [first, end) are inside the input.
            int first = Math.Min(pw, Math.Max(0, (g.PadLeft - b + sw - 1) / sw));
            int end = Math.Clamp((iw - 1 - b + g.PadLeft) / sw + 1, first, pw);
            int column = b + first * sw - g.PadLeft, count = end - first;
            for (int c = 0; c < g.InChannels; c++)
                for (int a = 0; a < rowPhases; a++)
                {
                    ref float plane = ref Unsafe.Add(ref output, ((c * sh + a) * sw + b) * l.PlaneSize);
                    for (int k = 0; k < l.PlaneHeight; k++)
                    {
                        ref float row = ref Unsafe.Add(ref plane, k * pw);
                        int iy = a + k * sh - g.PadTop;
                        if ((uint)iy >= (uint)g.InHeight) { MemoryMarshal.CreateSpan(ref row, pw).Clear(); continue; }
                        for (int i = 0; i < first; i++) Unsafe.Add(ref row, i) = 0f;
                        for (int i = end; i < pw; i++) Unsafe.Add(ref row, i) = 0f;
                        ref float source = ref Unsafe.Add(ref input, (c * g.InHeight + iy) * iw + column);
                        ref float target = ref Unsafe.Add(ref row, first);
                        if (sw == 1) MemoryMarshal.CreateSpan(ref source, count).CopyTo(MemoryMarshal.CreateSpan(ref target, count));
                        else if (sw == 2) Deinterleave(ref source, iw - column, ref target, count);
                        else for (int i = 0; i < count; i++) Unsafe.Add(ref target, i) = Unsafe.Add(ref source, i * sw);
                    }
                }
        }
    }

    /// <summary>target[i] = source[2i] for i &lt; count, reading no further than source[available − 1]: eight at a time
    /// from two vectors, the even lanes gathered by two shuffles.</summary>
    private static void Deinterleave(ref float source, int available, ref float target, int count)
    {
        int i = 0;
        if (Avx2.IsSupported)
            for (; i + 8 <= count && 2 * i + 16 <= available; i += 8)
            {
                var lo = Vector256.LoadUnsafe(ref source, (nuint)(2 * i));
                var hi = Vector256.LoadUnsafe(ref source, (nuint)(2 * i + 8));
                // Per 128-bit half: lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6; then the 64-bit pairs reordered.
                var evens = Avx.Shuffle(lo, hi, 0b10_00_10_00);
                Avx2.Permute4x64(evens.AsDouble(), 0b11_01_10_00).AsSingle().StoreUnsafe(ref target, (nuint)i);
            }
        for (; i < count; i++) Unsafe.Add(ref target, i) = Unsafe.Add(ref source, 2 * i);
    }

    /// <summary>
    /// results[c·stride + p] = Σ over input channels and taps of w[c, ch, t]·planes[ch·channelStride + offsets[t] + p],
    /// for four channels c and 24 pixels p.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block(ref float planes, ref float weights, ref float results, ReadOnlySpan<int> offsets,
        int inChannels, int channelStride, int filter, int stride)
    {
        Vector256<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        int taps = offsets.Length;
        for (int ch = 0; ch < inChannels; ch++)
        {
            ref float plane = ref Unsafe.Add(ref planes, ch * channelStride);
            ref float w0 = ref Unsafe.Add(ref weights, ch * taps);
            for (int t = 0; t < taps; t++)
            {
                ref float p = ref Unsafe.Add(ref plane, offsets[t]);
                var x0 = Vector256.LoadUnsafe(ref p);
                var x1 = Vector256.LoadUnsafe(ref p, Lanes);
                var x2 = Vector256.LoadUnsafe(ref p, 2 * Lanes);
                var w = Vector256.Create(Unsafe.Add(ref w0, t));
                a00 = Vector256.FusedMultiplyAdd(x0, w, a00); a01 = Vector256.FusedMultiplyAdd(x1, w, a01); a02 = Vector256.FusedMultiplyAdd(x2, w, a02);
                w = Vector256.Create(Unsafe.Add(ref w0, filter + t));
                a10 = Vector256.FusedMultiplyAdd(x0, w, a10); a11 = Vector256.FusedMultiplyAdd(x1, w, a11); a12 = Vector256.FusedMultiplyAdd(x2, w, a12);
                w = Vector256.Create(Unsafe.Add(ref w0, 2 * filter + t));
                a20 = Vector256.FusedMultiplyAdd(x0, w, a20); a21 = Vector256.FusedMultiplyAdd(x1, w, a21); a22 = Vector256.FusedMultiplyAdd(x2, w, a22);
                w = Vector256.Create(Unsafe.Add(ref w0, 3 * filter + t));
                a30 = Vector256.FusedMultiplyAdd(x0, w, a30); a31 = Vector256.FusedMultiplyAdd(x1, w, a31); a32 = Vector256.FusedMultiplyAdd(x2, w, a32);
            }
        }
        a00.StoreUnsafe(ref results); a01.StoreUnsafe(ref results, Lanes); a02.StoreUnsafe(ref results, 2 * Lanes);
        ref float r1 = ref Unsafe.Add(ref results, stride);
        a10.StoreUnsafe(ref r1); a11.StoreUnsafe(ref r1, Lanes); a12.StoreUnsafe(ref r1, 2 * Lanes);
        ref float r2 = ref Unsafe.Add(ref results, 2 * stride);
        a20.StoreUnsafe(ref r2); a21.StoreUnsafe(ref r2, Lanes); a22.StoreUnsafe(ref r2, 2 * Lanes);
        ref float r3 = ref Unsafe.Add(ref results, 3 * stride);
        a30.StoreUnsafe(ref r3); a31.StoreUnsafe(ref r3, Lanes); a32.StoreUnsafe(ref r3, 2 * Lanes);
    }
}
