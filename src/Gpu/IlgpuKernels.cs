using System;
using ILGPU;
using ILGPU.Runtime;

namespace Unroll;

/// <summary>Sizes of one matrix product C = alpha·op(A)·op(B) + beta·C (+ bias[column]), row-major with leading dimensions.</summary>
internal readonly record struct GemmArgs(int M, int N, int K, int Lda, int Ldb, int Ldc, int TransposeA, int TransposeB,
    float Alpha, float Beta, int HasBias);

/// <summary>
/// The ILGPU kernels: plain static methods that ILGPU compiles for the accelerator. Element-wise kernels take one
/// thread per output value; reductions one thread per sum, adding in a fixed order, so results repeat bit for bit.
/// </summary>
internal static partial class IlgpuKernels
{
    // ---- Matrix products: square tiles of A and B staged in shared memory, one output value per thread.

    public static void Gemm16(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, GemmArgs g)
    {
        var tileA = SharedMemory.Allocate<float>(16 * 16);
        var tileB = SharedMemory.Allocate<float>(16 * 16);
        GemmTile(16, tileA, tileB, a, b, c, bias, g);
    }

    public static void Gemm4(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, GemmArgs g)
    {
        var tileA = SharedMemory.Allocate<float>(4 * 4);
        var tileB = SharedMemory.Allocate<float>(4 * 4);
        GemmTile(4, tileA, tileB, a, b, c, bias, g);
    }

    private static void GemmTile(int t, ArrayView<float> tileA, ArrayView<float> tileB,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, GemmArgs g)
    {
        int tx = Group.IdxX, ty = Group.IdxY;
        int column = Grid.IdxX * t + tx, row = Grid.IdxY * t + ty;
        float sum = 0f;
        for (int p0 = 0; p0 < g.K; p0 += t)
        {
            int pa = p0 + tx, pb = p0 + ty;
            tileA[ty * t + tx] = row < g.M && pa < g.K ? a[g.TransposeA != 0 ? pa * g.Lda + row : row * g.Lda + pa] : 0f;
            tileB[ty * t + tx] = pb < g.K && column < g.N ? b[g.TransposeB != 0 ? column * g.Ldb + pb : pb * g.Ldb + column] : 0f;
            Group.Barrier();
            for (int q = 0; q < t; q++) sum += tileA[ty * t + q] * tileB[q * t + tx];
            Group.Barrier();
        }
        if (row >= g.M || column >= g.N) return;
        int at = row * g.Ldc + column;
        float value = g.Alpha * sum;
        if (g.Beta != 0f) value += g.Beta * c[at];
        if (g.HasBias != 0) value += bias[column];
        c[at] = value;
    }

    /// <summary>sums[j] = Σ over rows r of x[r·columns + j], rows in order (a bias gradient).</summary>
    public static void ColumnSums(Index1D j, ArrayView<float> x, ArrayView<float> sums, int rows, int columns)
    {
        float sum = 0f;
        for (int r = 0; r < rows; r++) sum += x[r * columns + j];
        sums[j] = sum;
    }

    // ---- Element-wise arithmetic.

    public static void Add(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output) => output[i] = a[i] + b[i];

    public static void Scale(Index1D i, ArrayView<float> input, ArrayView<float> output, float factor) => output[i] = factor * input[i];

    public static void AddInPlace(Index1D i, ArrayView<float> source, ArrayView<float> destination) => destination[i] += source[i];

    // ---- Activations and dropout (Activation's values: 0 linear, 1 relu, 2 leaky relu, 3 elu, 4 sigmoid, 5 tanh).

    public static void Activate(Index1D i, ArrayView<float> x, ArrayView<float> y, int activation, float alpha)
    {
        float v = x[i];
        y[i] = activation switch
        {
            1 => v > 0f ? v : 0f,
            2 => v > 0f ? v : alpha * v,
            3 => v > 0f ? v : alpha * (MathF.Exp(MathF.Min(v, 0f)) - 1f),
            4 => 1f / (1f + MathF.Exp(-v)),
            5 => MathF.Tanh(v),
            _ => v,
        };
    }

    public static void ActivateBackward(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx,
        int activation, float alpha)
    {
        float g = dy[i];
        dx[i] = activation switch
        {
            1 => x[i] > 0f ? g : 0f,
            2 => x[i] > 0f ? g : g * alpha,
            3 => x[i] > 0f ? g : g * (y[i] + alpha),
            4 => g * (y[i] - y[i] * y[i]),
            5 => g * (1f - y[i] * y[i]),
            _ => g,
        };
    }

    /// <summary>One row of a softmax: minus the row's largest value, exponentiated, divided by the sum.</summary>
    public static void Softmax(Index1D row, ArrayView<float> x, ArrayView<float> y, int features)
    {
        int start = row * features;
        float max = float.NegativeInfinity;
        for (int j = 0; j < features; j++) max = MathF.Max(max, x[start + j]);
        float sum = 0f;
        for (int j = 0; j < features; j++)
        {
            float e = MathF.Exp(x[start + j] - max);
            y[start + j] = e;
            sum += e;
        }
        float scale = 1f / sum;
        for (int j = 0; j < features; j++) y[start + j] *= scale;
    }

    /// <summary>dx = y ⊙ (dy − Σ dy ⊙ y), one row.</summary>
    public static void SoftmaxBackward(Index1D row, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int features)
    {
        int start = row * features;
        float dot = 0f;
        for (int j = 0; j < features; j++) dot += dy[start + j] * y[start + j];
        for (int j = 0; j < features; j++) dx[start + j] = (dy[start + j] - dot) * y[start + j];
    }

    /// <summary>The CPU backend's mask, value for value: kept when the top 24 bits of SplitMix64(seed, i) reach the threshold.</summary>
    public static void Dropout(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> mask, ulong seed, uint threshold, float keep)
    {
        ulong z = seed * 0xD1B54A32D192ED03UL + ((ulong)i.X + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        float m = (uint)(z >> 40) < threshold ? 0f : keep;
        mask[i] = m;
        y[i] = x[i] * m;
    }

    public static void Multiply(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> output) => output[i] = a[i] * b[i];

    // ---- Moving values between layouts.

    /// <summary>Input value i of a concatenation: (sample, channel, position) into channels [offset, offset + inputs) of the output.</summary>
    public static void ConcatForward(Index1D i, ArrayView<float> input, ArrayView<float> output, ConcatGeometry g)
    {
        int perSample = g.InputChannels * g.Spatial;
        int b = i / perSample, rest = i - b * perSample;
        output[(b * g.OutputChannels + g.ChannelOffset) * g.Spatial + rest] = input[i];
    }

    public static void ConcatBackward(Index1D i, ArrayView<float> outputGradient, ArrayView<float> inputGradient, ConcatGeometry g)
    {
        int perSample = g.InputChannels * g.Spatial;
        int b = i / perSample, rest = i - b * perSample;
        inputGradient[i] = outputGradient[(b * g.OutputChannels + g.ChannelOffset) * g.Spatial + rest];
    }

    /// <summary>Output value i of a zero padding: the input value it lies on, or 0.</summary>
    public static void PadForward(Index1D i, ArrayView<float> input, ArrayView<float> output, Padding2DGeometry g)
    {
        int plane = i / (g.OutHeight * g.OutWidth), rest = i - plane * g.OutHeight * g.OutWidth;
        int r = rest / g.OutWidth - g.PadTop, c = rest % g.OutWidth - g.PadLeft;
        output[i] = r >= 0 && r < g.InHeight && c >= 0 && c < g.InWidth ? input[(plane * g.InHeight + r) * g.InWidth + c] : 0f;
    }

    public static void PadBackward(Index1D i, ArrayView<float> outputGradient, ArrayView<float> inputGradient, Padding2DGeometry g)
    {
        int plane = i / (g.InHeight * g.InWidth), rest = i - plane * g.InHeight * g.InWidth;
        int r = rest / g.InWidth + g.PadTop, c = rest % g.InWidth + g.PadLeft;
        inputGradient[i] = outputGradient[(plane * g.OutHeight + r) * g.OutWidth + c];
    }

    /// <summary>Output value i of an upsampling: the input value whose block it lies in.</summary>
    public static void UpSample(Index1D i, ArrayView<float> input, ArrayView<float> output, UpSampling2DGeometry g)
    {
        int outHeight = g.InHeight * g.FactorHeight, outWidth = g.InWidth * g.FactorWidth;
        int plane = i / (outHeight * outWidth), rest = i - plane * outHeight * outWidth;
        int r = rest / outWidth / g.FactorHeight, c = rest % outWidth / g.FactorWidth;
        output[i] = input[(plane * g.InHeight + r) * g.InWidth + c];
    }

    /// <summary>Input gradient i of an upsampling: its block of the output gradient summed, row by row.</summary>
    public static void UpSampleBackward(Index1D i, ArrayView<float> outputGradient, ArrayView<float> inputGradient, UpSampling2DGeometry g)
    {
        int outHeight = g.InHeight * g.FactorHeight, outWidth = g.InWidth * g.FactorWidth;
        int plane = i / (g.InHeight * g.InWidth), rest = i - plane * g.InHeight * g.InWidth;
        int r = rest / g.InWidth, c = rest % g.InWidth;
        float sum = 0f;
        for (int k = 0; k < g.FactorHeight; k++)
            for (int l = 0; l < g.FactorWidth; l++)
                sum += outputGradient[(plane * outHeight + r * g.FactorHeight + k) * outWidth + c * g.FactorWidth + l];
        inputGradient[i] = sum;
    }

    /// <summary>Mean of plane p's values.</summary>
    public static void GlobalAverage(Index1D p, ArrayView<float> input, ArrayView<float> output, int spatial)
    {
        float sum = 0f;
        for (int s = 0; s < spatial; s++) sum += input[p * spatial + s];
        output[p] = sum * (1f / spatial);
    }

    public static void GlobalAverageBackward(Index1D i, ArrayView<float> outputGradient, ArrayView<float> inputGradient, int spatial)
        => inputGradient[i] = outputGradient[i / spatial] * (1f / spatial);

    // ---- Convolutions, direct: one thread per value computed, its sum over the window in a fixed order. (Tiled
    //      implicit-GEMM forms are the next step; these are the reference the GPU path is checked against.)

    /// <summary>Output value i of a grouped convolution (weights [out, in / groups, kh, kw]), plus the bias when there is one.</summary>
    public static void ConvForward(Index1D i, ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y,
        Conv2DGeometry g, int hasBias)
    {
        int pixels = g.OutHeight * g.OutWidth, perGroupOut = g.OutChannels / g.Groups, perGroupIn = g.InChannels / g.Groups;
        int b = i / (g.OutChannels * pixels), rest = i - b * g.OutChannels * pixels;
        int oc = rest / pixels, p = rest - oc * pixels, oy = p / g.OutWidth, ox = p - oy * g.OutWidth;
        int firstIn = oc / perGroupOut * perGroupIn;
        float sum = 0f;
        for (int ic = 0; ic < perGroupIn; ic++)
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                int iy = oy * g.StrideHeight - g.PadTop + ky;
                if (iy < 0 || iy >= g.InHeight) continue;
                for (int kx = 0; kx < g.KernelWidth; kx++)
                {
                    int ix = ox * g.StrideWidth - g.PadLeft + kx;
                    if (ix < 0 || ix >= g.InWidth) continue;
                    sum += w[((oc * perGroupIn + ic) * g.KernelHeight + ky) * g.KernelWidth + kx]
                        * x[((b * g.InChannels + firstIn + ic) * g.InHeight + iy) * g.InWidth + ix];
                }
            }
        y[i] = hasBias != 0 ? sum + bias[oc] : sum;
    }

    /// <summary>Input gradient i: every output the input value reached, times the weight that carried it.</summary>
    public static void ConvBackwardInput(Index1D i, ArrayView<float> w, ArrayView<float> dy, ArrayView<float> dx, Conv2DGeometry g)
    {
        int plane = g.InHeight * g.InWidth, perGroupOut = g.OutChannels / g.Groups, perGroupIn = g.InChannels / g.Groups;
        int b = i / (g.InChannels * plane), rest = i - b * g.InChannels * plane;
        int ic = rest / plane, p = rest - ic * plane, iy = p / g.InWidth, ix = p - iy * g.InWidth;
        int group = ic / perGroupIn, icg = ic - group * perGroupIn;
        float sum = 0f;
        for (int ocg = 0; ocg < perGroupOut; ocg++)
        {
            int oc = group * perGroupOut + ocg;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                int ty = iy + g.PadTop - ky;
                if (ty < 0 || ty % g.StrideHeight != 0 || ty / g.StrideHeight >= g.OutHeight) continue;
                for (int kx = 0; kx < g.KernelWidth; kx++)
                {
                    int tx = ix + g.PadLeft - kx;
                    if (tx < 0 || tx % g.StrideWidth != 0 || tx / g.StrideWidth >= g.OutWidth) continue;
                    sum += w[((oc * perGroupIn + icg) * g.KernelHeight + ky) * g.KernelWidth + kx]
                        * dy[((b * g.OutChannels + oc) * g.OutHeight + ty / g.StrideHeight) * g.OutWidth + tx / g.StrideWidth];
                }
            }
        }
        dx[i] = sum;
    }

    /// <summary>Weight gradient i: Σ over samples and output positions of dy times the input value under that weight.</summary>
    public static void ConvBackwardWeight(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, Conv2DGeometry g, int batch)
    {
        int perGroupOut = g.OutChannels / g.Groups, perGroupIn = g.InChannels / g.Groups, window = g.KernelHeight * g.KernelWidth;
        int oc = i / (perGroupIn * window), rest = i - oc * perGroupIn * window;
        int icg = rest / window, k = rest - icg * window, ky = k / g.KernelWidth, kx = k - ky * g.KernelWidth;
        int ic = oc / perGroupOut * perGroupIn + icg;
        float sum = 0f;
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                int iy = oy * g.StrideHeight - g.PadTop + ky;
                if (iy < 0 || iy >= g.InHeight) continue;
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    int ix = ox * g.StrideWidth - g.PadLeft + kx;
                    if (ix < 0 || ix >= g.InWidth) continue;
                    sum += dy[((b * g.OutChannels + oc) * g.OutHeight + oy) * g.OutWidth + ox]
                        * x[((b * g.InChannels + ic) * g.InHeight + iy) * g.InWidth + ix];
                }
            }
        dw[i] = sum;
    }

    /// <summary>Σ over samples and positions of channel c's values (a convolution's bias gradient).</summary>
    public static void ChannelSums(Index1D c, ArrayView<float> dy, ArrayView<float> sums, int batch, int channels, int spatial)
    {
        float sum = 0f;
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < spatial; s++) sum += dy[(b * channels + c) * spatial + s];
        sums[c] = sum;
    }

    /// <summary>y[b, c, s] += bias[c].</summary>
    public static void AddChannelBias(Index1D i, ArrayView<float> y, ArrayView<float> bias, int channels, int spatial)
        => y[i] += bias[i / spatial % channels];

    // ---- Pooling: padded cells are never chosen by max pooling and not counted by average pooling.

    /// <summary>Output value i: its window's largest value (mode 0) or mean over the cells inside the input (mode 1).</summary>
    public static void Pool(Index1D i, ArrayView<float> x, ArrayView<float> y, Pool2DGeometry g, int mode)
    {
        int pixels = g.OutHeight * g.OutWidth, plane = i / pixels, p = i - plane * pixels, oy = p / g.OutWidth, ox = p - oy * g.OutWidth;
        float best = float.NegativeInfinity, sum = 0f;
        int count = 0;
        for (int ky = 0; ky < g.WindowHeight; ky++)
        {
            int iy = oy * g.StrideHeight - g.PadTop + ky;
            if (iy < 0 || iy >= g.InHeight) continue;
            for (int kx = 0; kx < g.WindowWidth; kx++)
            {
                int ix = ox * g.StrideWidth - g.PadLeft + kx;
                if (ix < 0 || ix >= g.InWidth) continue;
                float v = x[(plane * g.InHeight + iy) * g.InWidth + ix];
                if (v > best) best = v;
                sum += v;
                count++;
            }
        }
        y[i] = mode == 0 ? best : count > 0 ? sum / count : 0f;
    }

    /// <summary>
    /// Input gradient i: over every window that covers it, dy of the window if it is the window's first largest cell in
    /// row-major order (mode 0), or dy divided by the window's cells inside the input (mode 1).
    /// </summary>
    public static void PoolBackward(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, Pool2DGeometry g, int mode)
    {
        int planeSize = g.InHeight * g.InWidth, plane = i / planeSize, p = i - plane * planeSize, iy = p / g.InWidth, ix = p - iy * g.InWidth;
        float sum = 0f;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int top = oy * g.StrideHeight - g.PadTop;
            if (iy < top || iy >= top + g.WindowHeight) continue;
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int left = ox * g.StrideWidth - g.PadLeft;
                if (ix < left || ix >= left + g.WindowWidth) continue;
                float best = float.NegativeInfinity;
                int bestAt = -1, count = 0;
                for (int ky = 0; ky < g.WindowHeight; ky++)
                {
                    int wy = top + ky;
                    if (wy < 0 || wy >= g.InHeight) continue;
                    for (int kx = 0; kx < g.WindowWidth; kx++)
                    {
                        int wx = left + kx;
                        if (wx < 0 || wx >= g.InWidth) continue;
                        float v = x[(plane * g.InHeight + wy) * g.InWidth + wx];
                        if (v > best) { best = v; bestAt = wy * g.InWidth + wx; }
                        count++;
                    }
                }
                float gradient = dy[(plane * g.OutHeight + oy) * g.OutWidth + ox];
                if (mode == 0) { if (bestAt == p) sum += gradient; }
                else sum += gradient / count;
            }
        }
        dx[i] = sum;
    }

    // ---- Batch normalisation, per channel, its sums in double as on the CPU backend.

    /// <summary>
    /// Channel c's batch mean and biased variance (two passes): saved for backward, and folded into the running statistics
    /// (the variance unbiased) with the given momentum. Sums are shifted by the channel's first value (its pivot), which
    /// keeps a large common offset from swamping them; the mean's shift from that pivot goes to shift[c] and the pivot to
    /// shift[channels + c] (the input may be overwritten in place), so that
    /// <see cref="BatchNormalize"/> subtracts the mean at full precision: the float mean alone is off by up to half an
    /// ulp of the offset (3e-5 at 1000). In float throughout, compensated: the fast math mode demotes doubles on the GPU.
    /// </summary>
    public static void BatchStatistics(Index1D c, ArrayView<float> x, ArrayView<float> runningMean, ArrayView<float> runningVariance,
        ArrayView<float> savedMean, ArrayView<float> savedInverseStd, ArrayView<float> shift, BatchNormGeometry g, int batch)
    {
        int count = batch * g.Spatial;
        float pivot = x[c * g.Spatial], sum = 0f, lost = 0f;
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < g.Spatial; s++) Accumulate(ref sum, ref lost, x[(b * g.Channels + c) * g.Spatial + s] - pivot);
        float offset = sum / count, squares = 0f;
        lost = 0f;
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < g.Spatial; s++)
            {
                float d = x[(b * g.Channels + c) * g.Spatial + s] - pivot - offset;
                Accumulate(ref squares, ref lost, d * d);
            }
        float mean = pivot + offset, variance = squares / count;
        shift[c] = offset;
        shift[g.Channels + c] = pivot;
        savedMean[c] = mean;
        savedInverseStd[c] = 1f / MathF.Sqrt(variance + g.Epsilon);
        float unbiased = count > 1 ? squares / (count - 1) : variance;
        runningMean[c] = g.Momentum * runningMean[c] + (1f - g.Momentum) * mean;
        runningVariance[c] = g.Momentum * runningVariance[c] + (1f - g.Momentum) * unbiased;
    }

    /// <summary>
    /// Kahan's compensated sum += value: a channel sums up to 10⁵ floats, whose plain sum would drift by several ulps (the
    /// CPU backend sums in double).
    /// </summary>
    private static void Accumulate(ref float sum, ref float lost, float value)
    {
        float y = value - lost, t = sum + y;
        lost = (t - sum) - y;
        sum = t;
    }

    /// <summary>
    /// y = γ·(x − mean)·inverse std + β, value i. Training reads the saved batch statistics, with the mean as the channel's
    /// pivot plus shift[c] (see <see cref="BatchStatistics"/>); inference (training 0) the running ones. γ and β are 1
    /// and 0 where hasGamma / hasBeta are 0.
    /// </summary>
    public static void BatchNormalize(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> mean, ArrayView<float> spread,
        ArrayView<float> shift, ArrayView<float> gamma, ArrayView<float> beta, BatchNormGeometry g, int training, int hasGamma, int hasBeta)
    {
        int c = i / g.Spatial % g.Channels;
        float inverseStd = training != 0 ? spread[c] : 1f / MathF.Sqrt(spread[c] + g.Epsilon);
        float scale = (hasGamma != 0 ? gamma[c] : 1f) * inverseStd;
        float centred = training != 0 ? x[i] - shift[g.Channels + c] - shift[c] : x[i] - mean[c];
        y[i] = centred * scale + (hasBeta != 0 ? beta[c] : 0f);
    }

    /// <summary>Channel c's Σ dy and Σ dy·x̂, into sums[c] and sums[channels + c].</summary>
    public static void BatchNormSums(Index1D c, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> savedMean,
        ArrayView<float> savedInverseStd, ArrayView<float> sums, BatchNormGeometry g, int batch)
    {
        double sumDy = 0, sumDyCentered = 0;
        float mean = savedMean[c];
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < g.Spatial; s++)
            {
                int at = (b * g.Channels + c) * g.Spatial + s;
                sumDy += dy[at];
                sumDyCentered += (double)dy[at] * (x[at] - mean);
            }
        sums[c] = (float)sumDy;
        sums[g.Channels + c] = (float)(sumDyCentered * savedInverseStd[c]);
    }

    /// <summary>dx = γ·invstd/n · (n·dy − Σdy − x̂·Σ(dy·x̂)), value i.</summary>
    public static void BatchNormBackward(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx, ArrayView<float> savedMean,
        ArrayView<float> savedInverseStd, ArrayView<float> gamma, ArrayView<float> sums, BatchNormGeometry g, int batch, int hasGamma)
    {
        int c = i / g.Spatial % g.Channels;
        double count = (double)batch * g.Spatial;
        double inverseStd = savedInverseStd[c];
        double k = (hasGamma != 0 ? gamma[c] : 1f) * inverseStd;
        double a = -k * inverseStd * sums[g.Channels + c] / count, b = -k * sums[c] / count;
        dx[i] = (float)(k * dy[i] + a * (x[i] - savedMean[c]) + b);
    }

    // ---- Optimizer updates: the CPU backend's rules, value by value, in the same order of operations.

    public static void OptimizerUpdate(Index1D i, ArrayView<float> p, ArrayView<float> g, ArrayView<float> s0, ArrayView<float> s1, OptimizerStep step)
    {
        if (step.ValueScale != 1f) p[i] *= step.ValueScale;
        float grad = g[i];
        if (step.GradientScale != 1f || step.WeightDecay != 0f) grad = grad * step.GradientScale + step.WeightDecay * p[i];
        switch (step.Rule)
        {
            case UpdateRule.Sgd:
                p[i] -= step.LearningRate * grad;
                break;
            case UpdateRule.Momentum:
            case UpdateRule.Nesterov:
            {
                float velocity = s0[i] * step.Momentum + grad;
                s0[i] = velocity;
                p[i] -= step.LearningRate * (step.Rule == UpdateRule.Nesterov ? grad + step.Momentum * velocity : velocity);
                break;
            }
            case UpdateRule.Adagrad:
            {
                float sum = s0[i] + grad * grad;
                s0[i] = sum;
                p[i] -= step.LearningRate * (grad / (MathF.Sqrt(sum) + step.Epsilon));
                break;
            }
            case UpdateRule.RmsProp:
            {
                float square = s0[i] * step.Decay + (1f - step.Decay) * grad * grad;
                s0[i] = square;
                p[i] -= step.LearningRate * (grad / (MathF.Sqrt(square) + step.Epsilon));
                break;
            }
            case UpdateRule.Adadelta:
            {
                float square = s0[i] * step.Decay + (1f - step.Decay) * grad * grad;
                s0[i] = square;
                float average = s1[i];
                float delta = MathF.Sqrt(average + step.Epsilon) / MathF.Sqrt(square + step.Epsilon) * grad;
                s1[i] = average * step.Decay + (1f - step.Decay) * delta * delta;
                p[i] -= step.LearningRate * delta;
                break;
            }
            default:
            {
                float mean = s0[i];
                mean += (1f - step.Momentum) * (grad - mean);
                float variance = s1[i] * step.Decay + (1f - step.Decay) * grad * grad;
                s0[i] = mean;
                s1[i] = variance;
                p[i] -= step.LearningRate * (mean / (MathF.Sqrt(variance) / step.Correction + step.Epsilon));
                break;
            }
        }
    }
}
