using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Unroll;

/// <summary>
/// Max and average pooling over (batch, channels, height, width). Windows start at (oy·sh − padTop, ox·sw − padLeft);
/// padded cells are skipped: max pooling never picks them and average pooling does not count them.
/// </summary>
/// <remarks>
/// Every kernel works plane by plane (one channel of one sample), so large batches split across the pool's threads by
/// planes. The common 2×2, stride-2, unpadded window has its own loop; any other window is clipped to the input once
/// per output.
/// </remarks>
internal static class PoolingKernels
{
    /// <summary>Below this many input values a call stays on one thread: a fork costs more than it saves.</summary>
    private const int ParallelThreshold = 1 << 15;

    private enum Op { MaxForward, MaxBackward, AvgForward, AvgBackward }

    private static void Check(in Pool2DGeometry g)
    {
        if (g.Channels <= 0 || g.InHeight <= 0 || g.InWidth <= 0 || g.WindowHeight <= 0 || g.WindowWidth <= 0
            || g.StrideHeight <= 0 || g.StrideWidth <= 0 || g.OutHeight <= 0 || g.OutWidth <= 0)
            throw new ArgumentException($"Pool2D geometry has a non-positive size: {g}.", nameof(g));
    }

    public static void MaxForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry g)
    {
        const string op = "MaxPool2DForward";
        Check(g);
        var x = KernelArgs.Need(input, nameof(input), batch, g.InputSize, op);
        var y = KernelArgs.Need(output, nameof(output), batch, g.OutputSize, op);
        Run(Op.MaxForward, x, null, y, batch, g);
    }

    public static void MaxBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry g)
    {
        const string op = "MaxPool2DBackward";
        Check(g);
        var x = KernelArgs.Need(input, nameof(input), batch, g.InputSize, op);
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, g.OutputSize, op);
        var dx = KernelArgs.Need(inputGradient, nameof(inputGradient), batch, g.InputSize, op);
        Run(Op.MaxBackward, x, dy, dx, batch, g);
    }

    public static void AvgForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry g)
    {
        const string op = "AvgPool2DForward";
        Check(g);
        var x = KernelArgs.Need(input, nameof(input), batch, g.InputSize, op);
        var y = KernelArgs.Need(output, nameof(output), batch, g.OutputSize, op);
        Run(Op.AvgForward, x, null, y, batch, g);
    }

    public static void AvgBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry g)
    {
        const string op = "AvgPool2DBackward";
        Check(g);
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, g.OutputSize, op);
        var dx = KernelArgs.Need(inputGradient, nameof(inputGradient), batch, g.InputSize, op);
        Run(Op.AvgBackward, null, dy, dx, batch, g);
    }

    /// <summary>Runs <paramref name="op"/> over all planes: on the pool's threads when the work is large enough.</summary>
    private static void Run(Op op, float[]? x, float[]? dy, float[] result, int batch, in Pool2DGeometry g)
    {
        int planes = batch * g.Channels;
        if ((long)batch * g.InputSize >= ParallelThreshold && planes > 1)
        {
            var job = PlaneJob.Instance;
            (job.Op, job.X, job.Dy, job.Result, job.Planes, job.G) = (op, x, dy, result, planes, g);
            try { CpuParallel.Run(job, Math.Min(CpuParallel.ThreadCount, planes)); }
            finally { (job.X, job.Dy, job.Result) = (null, null, null!); }
            return;
        }
        Planes(op, x, dy, result, 0, planes, g);
    }

    private sealed class PlaneJob : ParallelWork
    {
        [ThreadStatic] private static PlaneJob? _instance;
        public static PlaneJob Instance => _instance ??= new PlaneJob();
        public Op Op;
        public float[]? X, Dy;
        public float[] Result = null!;
        public int Planes;
        public Pool2DGeometry G;

        public override void Run(int worker, int workers) =>
            PoolingKernels.Planes(Op, X, Dy, Result, (int)((long)Planes * worker / workers), (int)((long)Planes * (worker + 1) / workers), G);
    }

    private static void Planes(Op op, float[]? x, float[]? dy, float[] result, int first, int end, in Pool2DGeometry g)
    {
        int planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * g.OutWidth;
        bool twoByTwo = g.WindowHeight == 2 && g.WindowWidth == 2 && g.StrideHeight == 2 && g.StrideWidth == 2
            && g.PadTop == 0 && g.PadLeft == 0 && 2 * g.OutHeight <= g.InHeight && 2 * g.OutWidth <= g.InWidth;
        // The 2×2 backward writes every cell its windows cover; only cells no window covers need clearing first.
        bool coversAll = twoByTwo && 2 * g.OutHeight == g.InHeight && 2 * g.OutWidth == g.InWidth;
        if (op is Op.AvgBackward || (op is Op.MaxBackward && !coversAll))
            new Span<float>(result, first * planeIn, (end - first) * planeIn).Clear();
        for (int p = first; p < end; p++)
        {
            int inBase = p * planeIn, outBase = p * planeOut;
            switch (op)
            {
                case Op.MaxForward when twoByTwo: MaxForward2x2(x!, inBase, result, outBase, g); break;
                case Op.MaxBackward when twoByTwo: MaxBackward2x2(x!, inBase, dy!, outBase, result, g); break;
                case Op.MaxForward: MaxPlane(x!, inBase, null, outBase, result, g); break;
                case Op.MaxBackward: MaxPlane(x!, inBase, dy, outBase, result, g); break;
                case Op.AvgForward: AvgForwardPlane(x!, inBase, result, outBase, g); break;
                case Op.AvgBackward: AvgBackwardPlane(dy!, outBase, result, inBase, g); break;
            }
        }
    }

    private static void MaxForward2x2(float[] x, int inBase, float[] y, int outBase, in Pool2DGeometry g)
    {
        int w = g.InWidth, ow = g.OutWidth;
        bool vector = Avx512F.IsSupported && ow >= 8 && (long)inBase + g.InHeight * w <= x.Length && (long)outBase + g.OutHeight * ow <= y.Length;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int top = inBase + 2 * oy * w, o = outBase + oy * ow;
            if (vector)
            {
                // Eight windows at a time; a row's last eight overlap the ones before (same values written twice).
                for (int ox = 0; ox < ow; ox += 8)
                {
                    int start = Math.Min(ox, ow - 8);
                    var (a, b, c, d) = Windows8(x, top + 2 * start, w);
                    Vector256.Max(Vector256.Max(a, b), Vector256.Max(c, d)).StoreUnsafe(ref y[o + start]);
                }
                continue;
            }
            for (int ox = 0, bottom = top + w; ox < ow; ox++, top += 2, bottom += 2)
                y[o + ox] = MathF.Max(MathF.Max(x[top], x[top + 1]), MathF.Max(x[bottom], x[bottom + 1]));
        }
    }

    private static readonly Vector512<int> EvenThenOdd = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    private static readonly Vector512<int> Interleave = Vector512.Create(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);

    /// <summary>The four cells of eight consecutive 2×2 windows starting at <paramref name="top"/>: top-left, top-right, bottom-left, bottom-right.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>) Windows8(float[] x, int top, int w)
    {
        ref float r = ref MemoryMarshal.GetArrayDataReference(x);
        var upper = Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref r, (nuint)top), EvenThenOdd);
        var lower = Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref r, (nuint)(top + w)), EvenThenOdd);
        return (upper.GetLower(), upper.GetUpper(), lower.GetLower(), lower.GetUpper());
    }

    /// <summary>
    /// Each window's gradient goes to its first largest cell in row-major order (as <see cref="MaxPlane"/> picks it); the
    /// window's other cells get zero, so covered cells need no clearing beforehand.
    /// </summary>
    private static void MaxBackward2x2(float[] x, int inBase, float[] dy, int outBase, float[] dx, in Pool2DGeometry g)
    {
        int w = g.InWidth, ow = g.OutWidth;
        bool vector = Avx512F.IsSupported && ow >= 8 && (long)inBase + g.InHeight * w <= Math.Min(x.Length, dx.Length)
            && (long)outBase + g.OutHeight * ow <= dy.Length;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int top = inBase + 2 * oy * w, o = outBase + oy * ow;
            if (vector)
            {
                // Branch-free: on random data "which cell is largest" mispredicts half the time in scalar code.
                ref float d = ref MemoryMarshal.GetArrayDataReference(dx);
                for (int ox = 0; ox < ow; ox += 8)
                {
                    int start = Math.Min(ox, ow - 8), cell = top + 2 * start;
                    var (a, b, c, e) = Windows8(x, cell, w);
                    var max = Vector256.Max(Vector256.Max(a, b), Vector256.Max(c, e));
                    var gradient = Vector256.LoadUnsafe(ref dy[o + start]);
                    // The first largest cell in row-major order takes the gradient.
                    var isA = Vector256.Equals(a, max);
                    var isB = Vector256.AndNot(Vector256.Equals(b, max), isA);
                    var taken = isA | isB;
                    var isC = Vector256.AndNot(Vector256.Equals(c, max), taken);
                    var isE = ~(taken | isC);
                    var upper = Avx512F.PermuteVar16x32(Vector512.Create(gradient & isA, gradient & isB), Interleave);
                    var lower = Avx512F.PermuteVar16x32(Vector512.Create(gradient & isC, gradient & isE), Interleave);
                    upper.StoreUnsafe(ref d, (nuint)cell);
                    lower.StoreUnsafe(ref d, (nuint)(cell + w));
                }
                continue;
            }
            for (int ox = 0; ox < g.OutWidth; ox++, top += 2)
            {
                // Branch-free too: comparisons become 0/1 and pick the first largest cell's offset arithmetically.
                float a = x[top], b = x[top + 1], c = x[top + w], e = x[top + w + 1];
                int isB = b > a ? 1 : 0;
                float ab = MathF.Max(a, b);
                int isC = c > ab ? 1 : 0;
                int isE = e > MathF.Max(ab, c) ? 1 : 0;
                int cell = isE * (w + 1) + (1 - isE) * (isC * w + (1 - isC) * isB);
                dx[top] = dx[top + 1] = dx[top + w] = dx[top + w + 1] = 0f;
                dx[top + cell] = dy[o + ox];
            }
        }
    }

    /// <summary>Input rows [y0, y1) of output row <paramref name="oy"/>'s windows, clipped to the input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int, int) Rows(in Pool2DGeometry g, int oy)
    {
        int top = oy * g.StrideHeight - g.PadTop;
        return (Math.Max(top, 0), Math.Min(top + g.WindowHeight, g.InHeight));
    }

    /// <summary>Input columns [x0, x1) of output column <paramref name="ox"/>'s windows, clipped to the input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int, int) Columns(in Pool2DGeometry g, int ox)
    {
        int left = ox * g.StrideWidth - g.PadLeft;
        return (Math.Max(left, 0), Math.Min(left + g.WindowWidth, g.InWidth));
    }

    /// <summary>Max pooling of one plane; with <paramref name="dy"/>, routes each window's gradient to its first largest cell instead.</summary>
    private static void MaxPlane(float[] x, int inBase, float[]? dy, int outBase, float[] result, in Pool2DGeometry g)
    {
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            var (y0, y1) = Rows(g, oy);
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                var (x0, x1) = Columns(g, ox);
                int best = -1;
                float max = float.NegativeInfinity;
                for (int yy = y0; yy < y1; yy++)
                {
                    int row = inBase + yy * g.InWidth;
                    for (int xx = x0; xx < x1; xx++)
                        if (best < 0 || x[row + xx] > max) { max = x[row + xx]; best = row + xx; }
                }
                int o = outBase + oy * g.OutWidth + ox;
                if (dy is null) result[o] = best < 0 ? 0f : max;
                else if (best >= 0) result[best] += dy[o];
            }
        }
    }

    private static void AvgForwardPlane(float[] x, int inBase, float[] y, int outBase, in Pool2DGeometry g)
    {
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            var (y0, y1) = Rows(g, oy);
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                var (x0, x1) = Columns(g, ox);
                float sum = 0f;
                for (int yy = y0; yy < y1; yy++)
                {
                    int row = inBase + yy * g.InWidth;
                    for (int xx = x0; xx < x1; xx++) sum += x[row + xx];
                }
                int count = Math.Max(0, y1 - y0) * Math.Max(0, x1 - x0);
                y[outBase + oy * g.OutWidth + ox] = count == 0 ? 0f : sum / count;
            }
        }
    }

    private static void AvgBackwardPlane(float[] dy, int outBase, float[] dx, int inBase, in Pool2DGeometry g)
    {
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            var (y0, y1) = Rows(g, oy);
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                var (x0, x1) = Columns(g, ox);
                int count = Math.Max(0, y1 - y0) * Math.Max(0, x1 - x0);
                if (count == 0) continue;
                float share = dy[outBase + oy * g.OutWidth + ox] / count;
                for (int yy = y0; yy < y1; yy++)
                {
                    int row = inBase + yy * g.InWidth;
                    for (int xx = x0; xx < x1; xx++) dx[row + xx] += share;
                }
            }
        }
    }
}
