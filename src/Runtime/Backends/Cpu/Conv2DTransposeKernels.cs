using System;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>
/// Transposed 2-D convolution as the adjoint of <see cref="Conv2DKernels"/>'s im2col path, on the convolution
/// <c>c = geometry.Convolution</c> that maps this layer's output back to its input. With W the weight read as
/// [inChannels, outChannels·kh·kw] and x_n a sample as [inChannels, H·W]:
/// forward writes col = Wᵀ·x_n and scatters it into y_n by col2im (over the bias);
/// backward gathers col = im2col(dy_n), then dx_n = W·col (a convolution of the output gradient) and dW += x_n·colᵀ.
/// A 1×1, stride-1, uncropped layer skips col: y_n = Wᵀ·x_n, dx_n = W·dy_n, dW += x_n·dy_nᵀ.
/// Batches are split across threads by sample exactly as the convolution's are (one col buffer and one weight-gradient
/// partial per share, in the workspace that <c>Conv2DWorkspaceLength(c, capacity)</c> sizes), so forward, input and bias
/// gradients are the same bits on any thread count, and the weight gradient on any load for a given thread count.
/// </summary>
internal static class Conv2DTransposeKernels
{
    private static (Conv2DGeometry Conv, Conv2DKernels.Sizes Sizes) Check(in Conv2DTransposeGeometry g)
    {
        if (g.PadTop < 0 || g.PadLeft < 0)
            throw new ArgumentException($"Conv2DTranspose geometry has a negative crop: {g}.", nameof(g));
        try
        {
            var conv = g.Convolution;
            return (conv, Conv2DKernels.Check(conv));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Conv2DTranspose geometry is not valid: {g}. {e.Message}", nameof(g), e);
        }
    }

    public static void Forward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace,
        int batch, in Conv2DTransposeGeometry geometry)
    {
        const string op = "Conv2DTransposeForward";
        var (c, s) = Check(geometry);
        var x = KernelArgs.Need(input, nameof(input), batch, geometry.InputSize, op);
        var w = KernelArgs.Need(weight, nameof(weight), 1, geometry.WeightSize, op);
        var b = KernelArgs.NeedOptional(bias, nameof(bias), 1, geometry.OutChannels, op);
        var y = KernelArgs.Need(output, nameof(output), batch, geometry.OutputSize, op);
        var ws = KernelArgs.Array(workspace, nameof(workspace));
        int threads = Conv2DKernels.Threads(c, s, batch, ws, op);
        if (threads > 1)
        {
            var job = ForwardJob.Instance;
            (job.X, job.W, job.B, job.Y, job.Ws, job.Batch, job.G, job.S) = (x, w, b, y, ws, batch, c, s);
            try { CpuParallel.Run(job, threads); }
            finally { (job.X, job.W, job.B, job.Y, job.Ws) = (null!, null!, null, null!, null!); }
            return;
        }
        for (int n = 0; n < batch; n++) ForwardSample(x, w, b, y, ws, 0, n, c, s);
    }

    private sealed class ForwardJob : ParallelWork
    {
        [ThreadStatic] private static ForwardJob? _instance;
        public static ForwardJob Instance => _instance ??= new ForwardJob();
        public float[] X = null!, W = null!, Y = null!, Ws = null!;
        public float[]? B;
        public int Batch;
        public Conv2DGeometry G;
        public Conv2DKernels.Sizes S;

        public override void Run(int worker, int workers)
        {
            int start = Batch * worker / workers, end = Batch * (worker + 1) / workers;
            for (int n = start; n < end; n++) ForwardSample(X, W, B, Y, Ws, worker * Conv2DKernels.SlotLength(G, S), n, G, S);
        }
    }

    /// <summary>Sample n: y_n = bias + col2im(Wᵀ·x_n). In the convolution <paramref name="c"/>, y is the input and x the output.</summary>
    private static void ForwardSample(float[] x, float[] w, float[]? b, float[] y, float[] ws, int slot, int n, in Conv2DGeometry c, Conv2DKernels.Sizes s)
    {
        int yBase = n * c.InputSize, planeOut = c.InHeight * c.InWidth;
        for (int oc = 0; oc < c.InChannels; oc++)
        {
            var plane = new Span<float>(y, yBase + oc * planeOut, planeOut);
            if (b is null) plane.Clear();
            else plane.Fill(b[oc]);
        }
        var xn = new ReadOnlyMemory<float>(x, n * c.OutputSize, c.OutputSize);
        var wAll = new ReadOnlyMemory<float>(w, 0, c.WeightSize);
        if (s.Direct)
        {
            // y_n (outChannels × Pixels) += Wᵀ (outChannels × inChannels) · x_n (inChannels × Pixels)
            Gemm.MultiplyParallel(true, false, s.PatchRows, s.Pixels, c.OutChannels, 1f, wAll, s.PatchRows, xn, s.Pixels,
                1f, new Memory<float>(y, yBase, c.InputSize), s.Pixels);
            return;
        }
        // col (PatchRows × Pixels) = Wᵀ (PatchRows × inChannels) · x_n, then scatter-add into y_n.
        Gemm.MultiplyParallel(true, false, s.PatchRows, s.Pixels, c.OutChannels, 1f, wAll, s.PatchRows, xn, s.Pixels,
            0f, new Memory<float>(ws, slot, s.ColLength), s.Pixels);
        Conv2DKernels.Col2Im(new ReadOnlySpan<float>(ws, slot, s.ColLength), y, yBase, 0, c, s);
    }

    public static void Backward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient,
        FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace,
        int batch, in Conv2DTransposeGeometry geometry)
    {
        const string op = "Conv2DTransposeBackward";
        var (c, s) = Check(geometry);
        var x = KernelArgs.Need(input, nameof(input), batch, geometry.InputSize, op);
        var w = KernelArgs.Need(weight, nameof(weight), 1, geometry.WeightSize, op);
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, geometry.OutputSize, op);
        var dx = KernelArgs.NeedOptional(inputGradient, nameof(inputGradient), batch, geometry.InputSize, op);
        var dw = KernelArgs.Need(weightGradient, nameof(weightGradient), 1, geometry.WeightSize, op);
        var db = KernelArgs.NeedOptional(biasGradient, nameof(biasGradient), 1, geometry.OutChannels, op);
        var ws = KernelArgs.Array(workspace, nameof(workspace));

        if (db is not null)
        {
            int plane = geometry.OutHeight * geometry.OutWidth;
            for (int oc = 0; oc < geometry.OutChannels; oc++)
            {
                float sum = 0f;
                for (int n = 0; n < batch; n++) sum += TensorPrimitives.Sum(new ReadOnlySpan<float>(dy, n * geometry.OutputSize + oc * plane, plane));
                db[oc] = sum;
            }
        }

        int threads = Conv2DKernels.Threads(c, s, batch, ws, op);
        var weightGrad = new Span<float>(dw, 0, geometry.WeightSize);
        if (threads > 1)
        {
            var job = BackwardJob.Instance;
            (job.X, job.W, job.Dy, job.Dx, job.Ws, job.Batch, job.G, job.S) = (x, w, dy, dx, ws, batch, c, s);
            try { CpuParallel.Run(job, threads); }
            finally { (job.X, job.W, job.Dy, job.Dx, job.Ws) = (null!, null!, null!, null, null!); }
            // dW = Σ over shares of each share's partial sum, in share order.
            int slot = Conv2DKernels.SlotLength(c, s);
            new ReadOnlySpan<float>(ws, s.ColLength, geometry.WeightSize).CopyTo(weightGrad);
            for (int t = 1; t < threads; t++)
                TensorPrimitives.Add(weightGrad, new ReadOnlySpan<float>(ws, t * slot + s.ColLength, geometry.WeightSize), weightGrad);
            return;
        }
        for (int n = 0; n < batch; n++) BackwardSample(x, w, dy, dx, dw, 0, ws, 0, n, n == 0, c, s);
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
        public Conv2DKernels.Sizes S;

        public override void Run(int worker, int workers)
        {
            int start = Batch * worker / workers, end = Batch * (worker + 1) / workers;
            int slot = worker * Conv2DKernels.SlotLength(G, S);
            if (start == end) new Span<float>(Ws, slot + S.ColLength, G.WeightSize).Clear();
            for (int n = start; n < end; n++) BackwardSample(X, W, Dy, Dx, Ws, slot + S.ColLength, Ws, slot, n, n == start, G, S);
        }
    }

    /// <summary>Adds sample n's weight gradient into dw[dwOffset..] (overwrites it when <paramref name="first"/>) and writes its input gradient.</summary>
    private static void BackwardSample(float[] x, float[] w, float[] dy, float[]? dx, float[] dw, int dwOffset, float[] ws, int slot,
        int n, bool first, in Conv2DGeometry c, Conv2DKernels.Sizes s)
    {
        float[] col; int colOffset;
        if (s.Direct) { col = dy; colOffset = n * c.InputSize; }
        else { col = ws; colOffset = slot; Conv2DKernels.Im2Col(dy, n * c.InputSize, 0, c, s, new Span<float>(ws, slot, s.ColLength)); }
        var colMemory = new ReadOnlyMemory<float>(col, colOffset, s.PatchRows * s.Pixels);
        var xn = new ReadOnlyMemory<float>(x, n * c.OutputSize, c.OutputSize);
        // dW (inChannels × PatchRows) += x_n (inChannels × Pixels) · colᵀ (Pixels × PatchRows)
        Gemm.MultiplyParallel(false, true, c.OutChannels, s.PatchRows, s.Pixels, 1f, xn, s.Pixels, colMemory, s.Pixels,
            first ? 0f : 1f, new Memory<float>(dw, dwOffset, c.WeightSize), s.PatchRows);
        if (dx is null) return;
        // dx_n (inChannels × Pixels) = W (inChannels × PatchRows) · col (PatchRows × Pixels): the convolution of dy_n.
        Gemm.MultiplyParallel(false, false, c.OutChannels, s.Pixels, s.PatchRows, 1f, new ReadOnlyMemory<float>(w, 0, c.WeightSize), s.PatchRows,
            colMemory, s.Pixels, 0f, new Memory<float>(dx, n * c.OutputSize, c.OutputSize), s.Pixels);
    }
}
