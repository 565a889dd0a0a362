using System;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>
/// 2-D convolution (cross-correlation) by im2col + GEMM, per sample and per group. For group g the patch matrix col is
/// [(C/G)·kh·kw, OH·OW]; forward is y_g = W_g·col, backward dW_g += dy_g·colᵀ and dcol = W_gᵀ·dy_g scattered back by col2im.
/// A 1×1, stride-1, unpadded convolution uses the input itself as col.
/// Batches are split across threads by sample; each thread has its own slot in the workspace: a col buffer and a
/// weight-gradient partial sum.
/// Depthwise geometries (groups == in channels) go to <see cref="DepthwiseConv2DKernels"/> instead, a direct kernel, and
/// small stride-1 layers (at most 16 channels in and out) to <see cref="DirectConv2DKernels"/>.
/// <see cref="Conv2DTransposeKernels"/> reuses the im2col/col2im pair, the per-thread slots and the share rule.
/// </summary>
internal static class Conv2DKernels
{
    internal readonly record struct Sizes(int GroupChannels, int GroupOut, int PatchRows, int Pixels, bool Direct)
    {
        public int ColLength => Direct ? 0 : PatchRows * Pixels;
    }

    internal static Sizes Check(in Conv2DGeometry g)
    {
        if (g.InChannels <= 0 || g.InHeight <= 0 || g.InWidth <= 0 || g.OutChannels <= 0 || g.KernelHeight <= 0 || g.KernelWidth <= 0
            || g.StrideHeight <= 0 || g.StrideWidth <= 0 || g.OutHeight <= 0 || g.OutWidth <= 0 || g.Groups <= 0)
            throw new ArgumentException($"Conv2D geometry has a non-positive size: {g}.", nameof(g));
        if (g.InChannels % g.Groups != 0 || g.OutChannels % g.Groups != 0)
            throw new ArgumentException($"Conv2D groups ({g.Groups}) must divide both in channels ({g.InChannels}) and out channels ({g.OutChannels}).", nameof(g));
        int cg = g.InChannels / g.Groups;
        bool direct = g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideHeight == 1 && g.StrideWidth == 1
            && g.PadTop == 0 && g.PadLeft == 0 && g.OutHeight == g.InHeight && g.OutWidth == g.InWidth;
        return new Sizes(cg, g.OutChannels / g.Groups, cg * g.KernelHeight * g.KernelWidth, g.OutHeight * g.OutWidth, direct);
    }

    /// <summary>One thread's workspace: a col buffer followed by a weight-gradient partial.</summary>
    internal static int SlotLength(in Conv2DGeometry g, Sizes s) => s.ColLength + g.WeightSize;

    public static int WorkspaceLength(in Conv2DGeometry geometry, int capacity)
    {
        if (capacity < 0) throw new ArgumentOutOfRangeException(nameof(capacity));
        var s = Check(geometry);
        // Room for both paths, so that the im2col path stays usable for a depthwise geometry (tests compare the two).
        int slot = Math.Max(SlotLength(geometry, s), DepthwiseConv2DKernels.Handles(geometry) ? DepthwiseConv2DKernels.SlotLength(geometry) : 0);
        long length = (long)CpuParallel.ThreadCount * slot;
        if (DirectConv2DKernels.Applies(geometry)) length = Math.Max(length, DirectConv2DKernels.WorkspaceLength(geometry));
        if (PixelLaneConv2DKernels.Applies(geometry)) length = Math.Max(length, PixelLaneConv2DKernels.WorkspaceLength(geometry));
        return checked((int)length);
    }

    internal static int Threads(in Conv2DGeometry g, Sizes s, int batch, float[] workspace, string op)
    {
        int slot = SlotLength(g, s);
        if (workspace.Length < slot)
            throw new ArgumentException($"workspace holds {workspace.Length} values but {op} needs at least {slot}; size it with Conv2DWorkspaceLength.", "workspace");
        int slots = slot == 0 ? CpuParallel.ThreadCount : workspace.Length / slot;
        long work = (long)batch * g.OutputSize * s.PatchRows;
        if (batch < 2 || work < Gemm.ParallelThreshold) return 1;
        return Math.Min(Math.Min(slots, CpuParallel.ThreadCount), batch);
    }

    public static void Forward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace,
        int batch, in Conv2DGeometry geometry)
        => Forward(input, weight, bias, output, workspace, batch, geometry, DepthwiseConv2DKernels.Applies(geometry));

    /// <summary>Forward with the path chosen by the caller: <paramref name="depthwise"/> requires a depthwise geometry.</summary>
    internal static void Forward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace,
        int batch, in Conv2DGeometry geometry, bool depthwise)
    {
        const string op = "Conv2DForward";
        var s = Check(geometry);
        var x = KernelArgs.Need(input, nameof(input), batch, geometry.InputSize, op);
        var w = KernelArgs.Need(weight, nameof(weight), 1, geometry.WeightSize, op);
        var b = KernelArgs.NeedOptional(bias, nameof(bias), 1, geometry.OutChannels, op);
        var y = KernelArgs.Need(output, nameof(output), batch, geometry.OutputSize, op);
        var ws = KernelArgs.Array(workspace, nameof(workspace));
        if (depthwise)
        {
            if (!DepthwiseConv2DKernels.Handles(geometry)) throw new ArgumentException($"Not a depthwise geometry: {geometry}.", nameof(geometry));
            DepthwiseConv2DKernels.Forward(x, w, b, y, ws, batch, geometry);
            return;
        }
        if (DirectConv2DKernels.Applies(geometry))
        {
            DirectConv2DKernels.Forward(x, w, b, y, ws, batch, geometry);
            return;
        }
        if (PixelLaneConv2DKernels.Applies(geometry))
        {
            PixelLaneConv2DKernels.Forward(x, w, b, y, ws, batch, geometry);
            return;
        }
        ForwardByIm2Col(x, w, b, y, ws, batch, geometry, s);
    }

    /// <summary>The im2col + GEMM forward, whatever else would apply; <paramref name="s"/> is <see cref="Check"/>'s.</summary>
    internal static void ForwardByIm2Col(float[] x, float[] w, float[]? b, float[] y, float[] ws, int batch, in Conv2DGeometry geometry, Sizes s)
    {
        int threads = Threads(geometry, s, batch, ws, "Conv2DForward");
        if (threads > 1)
        {
            var job = ForwardJob.Instance;
            (job.X, job.W, job.B, job.Y, job.Ws, job.Batch, job.G, job.S) = (x, w, b, y, ws, batch, geometry, s);
            try { CpuParallel.Run(job, threads); }
            finally { (job.X, job.W, job.B, job.Y, job.Ws) = (null!, null!, null, null!, null!); }
            return;
        }
        for (int n = 0; n < batch; n++) ForwardSample(x, w, b, y, ws, 0, n, geometry, s);
    }

    private sealed class ForwardJob : ParallelWork
    {
        [ThreadStatic] private static ForwardJob? _instance;
        public static ForwardJob Instance => _instance ??= new ForwardJob();
        public float[] X = null!, W = null!, Y = null!, Ws = null!;
        public float[]? B;
        public int Batch;
        public Conv2DGeometry G;
        public Sizes S;

        public override void Run(int worker, int workers)
        {
            int start = Batch * worker / workers, end = Batch * (worker + 1) / workers;
            for (int n = start; n < end; n++) ForwardSample(X, W, B, Y, Ws, worker * SlotLength(G, S), n, G, S);
        }
    }

    private static void ForwardSample(float[] x, float[] w, float[]? b, float[] y, float[] ws, int slot, int n, in Conv2DGeometry g, Sizes s)
    {
        int outBase = n * g.OutputSize;
        if (b is not null)
            for (int oc = 0; oc < g.OutChannels; oc++) new Span<float>(y, outBase + oc * s.Pixels, s.Pixels).Fill(b[oc]);
        for (int grp = 0; grp < g.Groups; grp++)
        {
            float[] col; int colOffset;
            if (s.Direct) { col = x; colOffset = n * g.InputSize + grp * s.GroupChannels * s.Pixels; }
            else { col = ws; colOffset = slot; Im2Col(x, n * g.InputSize, grp * s.GroupChannels, g, s, new Span<float>(ws, slot, s.ColLength)); }
            // y_g (GroupOut × Pixels) = W_g (GroupOut × PatchRows) · col (PatchRows × Pixels)
            Gemm.MultiplyParallel(false, false, s.GroupOut, s.Pixels, s.PatchRows, 1f,
                new ReadOnlyMemory<float>(w, grp * s.GroupOut * s.PatchRows, s.GroupOut * s.PatchRows), s.PatchRows,
                new ReadOnlyMemory<float>(col, colOffset, s.PatchRows * s.Pixels), s.Pixels,
                b is null ? 0f : 1f, new Memory<float>(y, outBase + grp * s.GroupOut * s.Pixels, s.GroupOut * s.Pixels), s.Pixels);
        }
    }

    public static void Backward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient,
        FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace,
        int batch, in Conv2DGeometry geometry)
        => Backward(input, weight, outputGradient, inputGradient, weightGradient, biasGradient, workspace, batch, geometry,
            DepthwiseConv2DKernels.Applies(geometry));

    /// <summary>Backward with the path chosen by the caller: <paramref name="depthwise"/> requires a depthwise geometry.</summary>
    internal static void Backward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient,
        FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace,
        int batch, in Conv2DGeometry geometry, bool depthwise)
    {
        const string op = "Conv2DBackward";
        var s = Check(geometry);
        var x = KernelArgs.Need(input, nameof(input), batch, geometry.InputSize, op);
        var w = KernelArgs.Need(weight, nameof(weight), 1, geometry.WeightSize, op);
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, geometry.OutputSize, op);
        var dx = KernelArgs.NeedOptional(inputGradient, nameof(inputGradient), batch, geometry.InputSize, op);
        var dw = KernelArgs.Need(weightGradient, nameof(weightGradient), 1, geometry.WeightSize, op);
        var db = KernelArgs.NeedOptional(biasGradient, nameof(biasGradient), 1, geometry.OutChannels, op);
        var ws = KernelArgs.Array(workspace, nameof(workspace));

        if (db is not null)
        {
            for (int oc = 0; oc < geometry.OutChannels; oc++)
            {
                float sum = 0f;
                for (int n = 0; n < batch; n++) sum += TensorPrimitives.Sum(new ReadOnlySpan<float>(dy, n * geometry.OutputSize + oc * s.Pixels, s.Pixels));
                db[oc] = sum;
            }
        }

        if (depthwise)
        {
            if (!DepthwiseConv2DKernels.Handles(geometry)) throw new ArgumentException($"Not a depthwise geometry: {geometry}.", nameof(geometry));
            DepthwiseConv2DKernels.Backward(x, w, dy, dx, dw, ws, batch, geometry);
            return;
        }
        if (DirectConv2DKernels.Applies(geometry))
        {
            DirectConv2DKernels.Backward(x, w, dy, dx, dw, ws, batch, geometry);
            return;
        }
        int threads = Threads(geometry, s, batch, ws, op);
        var weightGrad = new Span<float>(dw, 0, geometry.WeightSize);
        if (threads > 1)
        {
            var job = BackwardJob.Instance;
            (job.X, job.W, job.Dy, job.Dx, job.Ws, job.Batch, job.G, job.S) = (x, w, dy, dx, ws, batch, geometry, s);
            try { CpuParallel.Run(job, threads); }
            finally { (job.X, job.W, job.Dy, job.Dx, job.Ws) = (null!, null!, null!, null, null!); }
            // dW = Σ over shares of each share's partial sum, in share order.
            int slot = SlotLength(geometry, s);
            new ReadOnlySpan<float>(ws, s.ColLength, geometry.WeightSize).CopyTo(weightGrad);
            for (int t = 1; t < threads; t++)
                TensorPrimitives.Add(weightGrad, new ReadOnlySpan<float>(ws, t * slot + s.ColLength, geometry.WeightSize), weightGrad);
            return;
        }
        for (int n = 0; n < batch; n++) BackwardSample(x, w, dy, dx, dw, 0, ws, 0, n, n == 0, geometry, s);
        if (batch == 0) weightGrad.Clear();
    }

    private sealed class BackwardJob : ParallelWork
    {
        [ThreadStatic] private static BackwardJob? _instance;
        public static BackwardJob Instance => _instance ??= new BackwardJob();
        public float[] X = null!, W = null!, Dy = null!, Ws = null!;
        public float[]? Dx;
        public int Batch;
        public Conv2DGeometry G;
        public Sizes S;

        public override void Run(int worker, int workers)
        {
            int start = Batch * worker / workers, end = Batch * (worker + 1) / workers;
            int slot = worker * SlotLength(G, S);
            if (start == end) new Span<float>(Ws, slot + S.ColLength, G.WeightSize).Clear();
            for (int n = start; n < end; n++) BackwardSample(X, W, Dy, Dx, Ws, slot + S.ColLength, Ws, slot, n, n == start, G, S);
        }
    }

    /// <summary>Adds sample n's weight gradient into dw[dwOffset..] (overwrites it when <paramref name="first"/>) and writes its input gradient.</summary>
    private static void BackwardSample(float[] x, float[] w, float[] dy, float[]? dx, float[] dw, int dwOffset, float[] ws, int slot,
        int n, bool first, in Conv2DGeometry g, Sizes s)
    {
        int outBase = n * g.OutputSize;
        if (dx is not null && !s.Direct) new Span<float>(dx, n * g.InputSize, g.InputSize).Clear();
        int wGroup = s.GroupOut * s.PatchRows;
        for (int grp = 0; grp < g.Groups; grp++)
        {
            var dyG = new ReadOnlyMemory<float>(dy, outBase + grp * s.GroupOut * s.Pixels, s.GroupOut * s.Pixels);
            var wG = new ReadOnlyMemory<float>(w, grp * wGroup, wGroup);
            float[] col; int colOffset;
            if (s.Direct) { col = x; colOffset = n * g.InputSize + grp * s.GroupChannels * s.Pixels; }
            else { col = ws; colOffset = slot; Im2Col(x, n * g.InputSize, grp * s.GroupChannels, g, s, new Span<float>(ws, slot, s.ColLength)); }
            // dW_g (GroupOut × PatchRows) += dy_g (GroupOut × Pixels) · colᵀ (Pixels × PatchRows)
            Gemm.MultiplyParallel(false, true, s.GroupOut, s.PatchRows, s.Pixels, 1f, dyG, s.Pixels,
                new ReadOnlyMemory<float>(col, colOffset, s.PatchRows * s.Pixels), s.Pixels,
                first ? 0f : 1f, new Memory<float>(dw, dwOffset + grp * wGroup, wGroup), s.PatchRows);
            if (dx is null) continue;
            if (s.Direct)
            {
                // dx_g (GroupChannels × Pixels) = W_gᵀ · dy_g
                Gemm.MultiplyParallel(true, false, s.PatchRows, s.Pixels, s.GroupOut, 1f, wG, s.PatchRows, dyG, s.Pixels,
                    0f, new Memory<float>(dx, colOffset, s.PatchRows * s.Pixels), s.Pixels);
            }
            else
            {
                // dcol (PatchRows × Pixels) = W_gᵀ (PatchRows × GroupOut) · dy_g, then scatter-add into dx.
                Gemm.MultiplyParallel(true, false, s.PatchRows, s.Pixels, s.GroupOut, 1f, wG, s.PatchRows, dyG, s.Pixels,
                    0f, new Memory<float>(ws, slot, s.ColLength), s.Pixels);
                Col2Im(new ReadOnlySpan<float>(ws, slot, s.ColLength), dx, n * g.InputSize, grp * s.GroupChannels, g, s);
            }
        }
    }

    /// <summary>col[(c·kh + i)·kw + j, oy·OW + ox] = x[c0 + c, oy·sh − padTop + i, ox·sw − padLeft + j], zero outside the input.</summary>
    internal static void Im2Col(float[] x, int sampleOffset, int c0, in Conv2DGeometry g, Sizes s, Span<float> col)
    {
        int oh = g.OutHeight, ow = g.OutWidth, ih = g.InHeight, iw = g.InWidth, sh = g.StrideHeight, sw = g.StrideWidth;
        int row = 0;
        for (int c = 0; c < s.GroupChannels; c++)
        {
            var plane = new ReadOnlySpan<float>(x, sampleOffset + (c0 + c) * ih * iw, ih * iw);
            for (int i = 0; i < g.KernelHeight; i++)
            {
                for (int j = 0; j < g.KernelWidth; j++, row++)
                {
                    var dst = col.Slice(row * s.Pixels, s.Pixels);
                    // Output columns whose input column ox·sw − padLeft + j lies in [0, iw).
                    int dx0 = j - g.PadLeft;
                    int oxStart = dx0 >= 0 ? 0 : Math.Min(ow, (-dx0 + sw - 1) / sw);
                    int oxEnd = Math.Clamp(iw - 1 - dx0 >= 0 ? (iw - 1 - dx0) / sw + 1 : 0, oxStart, ow);
                    for (int oy = 0; oy < oh; oy++)
                    {
                        var d = dst.Slice(oy * ow, ow);
                        int iy = oy * sh - g.PadTop + i;
                        if ((uint)iy >= (uint)ih) { d.Clear(); continue; }
                        d.Slice(0, oxStart).Clear();
                        d.Slice(oxEnd).Clear();
                        var src = plane.Slice(iy * iw);
                        if (sw == 1) src.Slice(oxStart + dx0, oxEnd - oxStart).CopyTo(d.Slice(oxStart));
                        else for (int ox = oxStart; ox < oxEnd; ox++) d[ox] = src[ox * sw + dx0];
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: adds each col entry into the input cell it was read from.</summary>
    internal static void Col2Im(ReadOnlySpan<float> col, float[] dx, int sampleOffset, int c0, in Conv2DGeometry g, Sizes s)
    {
        int oh = g.OutHeight, ow = g.OutWidth, ih = g.InHeight, iw = g.InWidth, sh = g.StrideHeight, sw = g.StrideWidth;
        int row = 0;
        for (int c = 0; c < s.GroupChannels; c++)
        {
            var plane = new Span<float>(dx, sampleOffset + (c0 + c) * ih * iw, ih * iw);
            for (int i = 0; i < g.KernelHeight; i++)
            {
                for (int j = 0; j < g.KernelWidth; j++, row++)
                {
                    var src = col.Slice(row * s.Pixels, s.Pixels);
                    int dx0 = j - g.PadLeft;
                    int oxStart = dx0 >= 0 ? 0 : Math.Min(ow, (-dx0 + sw - 1) / sw);
                    int oxEnd = Math.Clamp(iw - 1 - dx0 >= 0 ? (iw - 1 - dx0) / sw + 1 : 0, oxStart, ow);
                    for (int oy = 0; oy < oh; oy++)
                    {
                        int iy = oy * sh - g.PadTop + i;
                        if ((uint)iy >= (uint)ih) continue;
                        var d = plane.Slice(iy * iw);
                        var srow = src.Slice(oy * ow, ow);
                        if (sw == 1)
                        {
                            var target = d.Slice(oxStart + dx0, oxEnd - oxStart);
                            TensorPrimitives.Add(target, srow.Slice(oxStart, oxEnd - oxStart), target);
                        }
                        else for (int ox = oxStart; ox < oxEnd; ox++) d[ox * sw + dx0] += srow[ox];
                    }
                }
            }
        }
    }
}
