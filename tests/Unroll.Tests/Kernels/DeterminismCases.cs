using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;

namespace Unroll.Tests.Kernels;

/// <summary>What a case writes into the buffers a kernel overwrites or uses as scratch before calling it: results must not depend on it.</summary>
internal enum Garbage { Zeros, NaNs, Random }

/// <summary>One kernel call (or a forward and backward pair) on fixed inputs; <see cref="Run"/> returns every output it wrote.
/// <see cref="Splits"/>: whether it splits its work into shares (on a machine with more than one thread).</summary>
internal sealed record KernelCase(string Name, Func<Garbage, (string Output, float[] Values)[]> Run, bool Splits = true)
{
    public override string ToString() => Name;
}

/// <summary>
/// Every threaded CPU kernel at sizes above its threading threshold, with splits that do not come out even on 2, 3 or 4
/// threads (odd batches, planes and channel counts, column counts that are not a multiple of the tile), plus the
/// single-threaded kernels that reduce (softmax, global pooling) and dropout. Inputs come from fixed seeds, so a case
/// computes the same thing in every process. Kept free of xunit, so that a small program can print the same cases'
/// results under different thread counts (docs/design.md, "Determinism and threads").
/// </summary>
internal static class DeterminismCases
{
    private static readonly CpuBackend Cpu = CpuBackend.Shared;

    public static IReadOnlyList<KernelCase> All { get; } = Build();

    public static KernelCase Named(string name) =>
        Array.Find((KernelCase[])All, c => c.Name == name) ?? throw new ArgumentException($"No determinism case named '{name}'.", nameof(name));

    private static KernelCase[] Build()
    {
        var cases = new List<KernelCase>();
        var kernels = new List<GemmKernel> { GemmKernel.Scalar };
        if (Vector256.IsHardwareAccelerated) kernels.Add(GemmKernel.Vector256);
        if (Vector512.IsHardwareAccelerated) kernels.Add(GemmKernel.Vector512);
        foreach (var kernel in kernels)
        {
            // n ≥ m splits columns in whole tiles, m > n rows; 203 and 230 are not whole numbers of tiles; k 900 > KC.
            cases.Add(Gemm($"gemm {kernel} nn 37×203×61 (column split)", kernel, false, false, 37, 203, 61, 1f, 0f, 0));
            cases.Add(Gemm($"gemm {kernel} tn 203×37×61 beta 1 (row split)", kernel, true, false, 203, 37, 61, 1f, 1f, 0));
            cases.Add(Gemm($"gemm {kernel} nt 45×230×900 alpha 0.75 beta 0.5 padded rows", kernel, false, true, 45, 230, 900, 0.75f, 0.5f, 3));
            cases.Add(Gemm($"gemm {kernel} tt 230×45×417", kernel, true, true, 230, 45, 417, 1f, 0f, 0));
        }

        cases.Add(Gemv("gemv batch 1, 1001 units × 130", 1, 130, 1001));
        cases.Add(Gemv("gemv batch 3, 1001 units × 130", 3, 130, 1001));
        cases.Add(Dense("dense batch 6, 300 → 203", 6, 300, 203));

        // im2col + GEMM (more than 16 channels, a stride, or groups); ungrouped forward passes run with pixels in the
        // lanes where the processor has 256-bit FMA, split by samples, or by blocks of channels for one sample.
        cases.Add(Conv("conv im2col 20→24 3×3 same, batch 5", 5, new Conv2DGeometry(20, 10, 10, 24, 3, 3, 1, 1, 1, 1, 10, 10)));
        cases.Add(Conv("conv im2col 17→19 3×3 stride 2, batch 3", 3, new Conv2DGeometry(17, 15, 15, 19, 3, 3, 2, 2, 1, 1, 8, 8)));
        cases.Add(Conv("conv 32→42 3×3 same, one sample", 1, new Conv2DGeometry(32, 14, 14, 42, 3, 3, 1, 1, 1, 1, 14, 14)));
        cases.Add(Conv("conv im2col grouped 4, 16→24 3×3 same, batch 5", 5, new Conv2DGeometry(16, 12, 12, 24, 3, 3, 1, 1, 1, 1, 12, 12, Groups: 4)));
        cases.Add(Conv("conv 1×1 shortcut 32→24 no bias, batch 5", 5, new Conv2DGeometry(32, 12, 12, 24, 1, 1, 1, 1, 0, 0, 12, 12), bias: false));
        cases.Add(Conv("conv 1×1 stride 2 projection 16→32 no bias, batch 11", 11, new Conv2DGeometry(16, 14, 14, 32, 1, 1, 2, 2, 0, 0, 7, 7), bias: false));
        // The direct kernel (stride 1, at most 16 channels; AVX-512 machines, im2col elsewhere).
        cases.Add(Conv("conv direct 6→16 5×5 valid (LeNet conv2), batch 7", 7, new Conv2DGeometry(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 10, 10)));
        cases.Add(Conv("conv direct 3→8 3×3 same, batch 9", 9, new Conv2DGeometry(3, 16, 16, 8, 3, 3, 1, 1, 1, 1, 16, 16)));
        cases.Add(Conv("conv direct 10→12 3×3 same 20 wide (channel lanes), batch 3", 3, new Conv2DGeometry(10, 20, 20, 12, 3, 3, 1, 1, 1, 1, 20, 20)));
        // Depthwise: the direct kernel, its scalar fallback, and the same geometry through im2col.
        // Transposed convolutions: col2im forward, im2col backward, on the convolution's per-thread slots.
        cases.Add(ConvTranspose("conv transpose 17→19 3×3 stride 2 same, batch 5", 5, new Conv2DTransposeGeometry(17, 9, 9, 19, 3, 3, 2, 2, 0, 0, 18, 18)));
        cases.Add(ConvTranspose("conv transpose 1×1 24→20 no bias, batch 5", 5, new Conv2DTransposeGeometry(24, 12, 12, 20, 1, 1, 1, 1, 0, 0, 12, 12), bias: false));
        var depthwise = new Conv2DGeometry(17, 20, 20, 17, 3, 3, 1, 1, 1, 1, 20, 20, Groups: 17);
        cases.Add(Conv("depthwise 17 channels 3×3 same, batch 5", 5, depthwise));
        cases.Add(Conv("depthwise ×2 5×5 stride 2, batch 5", 5, new Conv2DGeometry(9, 24, 24, 18, 5, 5, 2, 2, 2, 2, 12, 12, Groups: 9)));
        cases.Add(Conv("depthwise 17 channels through im2col, batch 5", 5, depthwise, path: ConvPath.Im2Col));
        cases.Add(Conv("depthwise 17 channels scalar fallback, batch 5", 5, depthwise, path: ConvPath.DepthwiseScalar));
        // One input channel is a depthwise geometry (groups = in channels = 1), and depthwise splits by channel: never threaded.
        cases.Add(Conv("depthwise 1→6 5×5 same (LeNet conv1), batch 5", 5, new Conv2DGeometry(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 28, 28)) with { Splits = false });

        // Batch 37 takes the products' path; the reversed direction with every step out, the forward one with the last.
        cases.Add(Recurrent("recurrent GRU 29→33 over 5 steps, reversed, every step, batch 37", 37,
            new RecurrentGeometry(RecurrentCell.Gru, 5, 29, 33, Reverse: true, ReturnSequences: true, OutputFeatures: 66, OutputOffset: 33, AccumulateInputGradient: false)));
        cases.Add(Recurrent("recurrent LSTM 29→33 over 5 steps, last step, batch 37", 37,
            new RecurrentGeometry(RecurrentCell.Lstm, 5, 29, 33, Reverse: false, ReturnSequences: false, OutputFeatures: 33, OutputOffset: 0, AccumulateInputGradient: false)));

        cases.Add(BatchNorm("batchnorm 3 × 21 channels × 1073", 3, 21, 1073, affine: true));
        cases.Add(BatchNorm("batchnorm 5 × 7 channels × 2000, no gamma or beta", 5, 7, 2000, affine: false));

        cases.Add(Pool("max pool 2×2, 9 × 30×30, batch 5", 5, new Pool2DGeometry(9, 30, 30, 2, 2, 2, 2, 0, 0, 15, 15), max: true));
        cases.Add(Pool("max pool 2×2 odd input, 9 × 31×31, batch 5", 5, new Pool2DGeometry(9, 31, 31, 2, 2, 2, 2, 0, 0, 15, 15), max: true));
        cases.Add(Pool("max pool 3×3 stride 2 pad 1, 11 × 24×24, batch 7", 7, new Pool2DGeometry(11, 24, 24, 3, 3, 2, 2, 1, 1, 12, 12), max: true));
        cases.Add(Pool("avg pool 3×3 stride 1 pad 1, 11 × 24×24, batch 7", 7, new Pool2DGeometry(11, 24, 24, 3, 3, 1, 1, 1, 1, 24, 24), max: false));

        // Single-threaded, but they reduce (softmax sums a row, global pooling a plane) or draw random numbers.
        cases.Add(Softmax("softmax 13 rows × 203", 13, 203) with { Splits = false });
        cases.Add(GlobalAvgPool("global average pool 5 × 21 × 300", 5, 21, 300) with { Splits = false });
        cases.Add(Dropout("dropout 0.3 over 10007 values", 10007, 0.3f) with { Splits = false });
        return cases.ToArray();
    }

    // ---- Buffers ---------------------------------------------------------------------------------------------------

    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static CpuBuffer Input(int length, int seed)
    {
        var buffer = new CpuBuffer(length);
        Values(length, seed).CopyTo(buffer.Array, 0);
        return buffer;
    }

    /// <summary>A buffer the kernel must overwrite (or only use as scratch), filled with <paramref name="garbage"/>.</summary>
    private static CpuBuffer Scratch(int length, Garbage garbage)
    {
        var buffer = new CpuBuffer(length);
        Fill(buffer.Array, garbage);
        return buffer;
    }

    private static void Fill(float[] values, Garbage garbage)
    {
        switch (garbage)
        {
            case Garbage.NaNs: Array.Fill(values, float.NaN); break;
            case Garbage.Random:
                var random = new Random(values.Length);
                for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 1e6 - 5e5);
                break;
        }
    }

    // ---- Cases -----------------------------------------------------------------------------------------------------

    private static KernelCase Gemm(string name, GemmKernel kernel, bool ta, bool tb, int m, int n, int k, float alpha, float beta, int padding) =>
        new(name, garbage =>
        {
            (int aRows, int aCols) = ta ? (k, m) : (m, k);
            (int bRows, int bCols) = tb ? (n, k) : (k, n);
            int lda = aCols + padding, ldb = bCols + padding, ldc = n + padding;
            var a = Values(aRows * lda, 1);
            var b = Values(bRows * ldb, 2);
            // C is read when beta ≠ 0, so it starts from fixed values then; with beta 0 it must be ignored.
            var c = Values(m * ldc, 3);
            if (beta == 0f) Fill(c, garbage);
            Unroll.Gemm.MultiplyParallel(kernel, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            if (padding > 0)
            {
                // The padding between rows is no output: compare only the m×n values.
                var packed = new float[m * n];
                for (int i = 0; i < m; i++) Array.Copy(c, i * ldc, packed, i * n, n);
                c = packed;
            }
            return [("C", c)];
        });

    private static KernelCase Gemv(string name, int batch, int inputs, int units) =>
        new(name, garbage =>
        {
            var y = Scratch(batch * units, garbage).Array;
            GemvKernels.Forward(Values(batch * inputs, 1), Values(units * inputs, 2), Values(units, 3), y, batch, inputs, units);
            return [("y", y)];
        });

    private static KernelCase Dense(string name, int batch, int inputs, int units) =>
        new(name, garbage =>
        {
            var (x, w, b) = (Input(batch * inputs, 1), Input(units * inputs, 2), Input(units, 3));
            var y = Scratch(batch * units, garbage);
            Cpu.DenseForward(x, w, b, y, batch, new DenseGeometry(inputs, units));
            var (dx, dw, db) = (Scratch(batch * inputs, garbage), Scratch(units * inputs, garbage), Scratch(units, garbage));
            Cpu.DenseBackward(x, w, Input(batch * units, 4), dx, dw, db, batch, new DenseGeometry(inputs, units));
            return [("y", y.Array), ("dx", dx.Array), ("dW", dw.Array), ("db", db.Array)];
        });

    private enum ConvPath { Default, Im2Col, DepthwiseScalar }

    private static KernelCase Conv(string name, int batch, Conv2DGeometry g, bool bias = true, ConvPath path = ConvPath.Default) =>
        new(name, garbage =>
        {
            var (x, w, b, dy) = (Input(batch * g.InputSize, 1), Input(g.WeightSize, 2), bias ? Input(g.OutChannels, 3) : null, Input(batch * g.OutputSize, 4));
            var ws = Scratch(Cpu.Conv2DWorkspaceLength(g, batch), garbage);
            var y = Scratch(batch * g.OutputSize, garbage);
            var (dx, dw, db, dwAlone) = (Scratch(batch * g.InputSize, garbage), Scratch(g.WeightSize, garbage), Scratch(g.OutChannels, garbage), Scratch(g.WeightSize, garbage));
            if (path == ConvPath.DepthwiseScalar)
            {
                DepthwiseConv2DKernels.Forward(x.Array, w.Array, b?.Array, y.Array, ws.Array, batch, g, vectorized: false);
                DepthwiseConv2DKernels.Backward(x.Array, w.Array, dy.Array, dx.Array, dw.Array, ws.Array, batch, g, vectorized: false);
                DepthwiseConv2DKernels.Backward(x.Array, w.Array, dy.Array, null, dwAlone.Array, ws.Array, batch, g, vectorized: false);
                return [("y", y.Array), ("dx", dx.Array), ("dW", dw.Array), ("dW without dx", dwAlone.Array)];
            }
            bool depthwise = path == ConvPath.Default && DepthwiseConv2DKernels.Applies(g);
            Conv2DKernels.Forward(x, w, b, y, ws, batch, g, depthwise);
            Conv2DKernels.Backward(x, w, dy, dx, dw, db, ws, batch, g, depthwise);
            Conv2DKernels.Backward(x, w, dy, null, dwAlone, null, ws, batch, g, depthwise);
            return [("y", y.Array), ("dx", dx.Array), ("dW", dw.Array), ("db", db.Array), ("dW without dx", dwAlone.Array)];
        });

    private static KernelCase ConvTranspose(string name, int batch, Conv2DTransposeGeometry g, bool bias = true) =>
        new(name, garbage =>
        {
            var (x, w, b, dy) = (Input(batch * g.InputSize, 1), Input(g.WeightSize, 2), bias ? Input(g.OutChannels, 3) : null, Input(batch * g.OutputSize, 4));
            var ws = Scratch(Cpu.Conv2DWorkspaceLength(g.Convolution, batch), garbage);
            var y = Scratch(batch * g.OutputSize, garbage);
            var (dx, dw, db, dwAlone) = (Scratch(batch * g.InputSize, garbage), Scratch(g.WeightSize, garbage), Scratch(g.OutChannels, garbage), Scratch(g.WeightSize, garbage));
            Cpu.Conv2DTransposeForward(x, w, b, y, ws, batch, g);
            Cpu.Conv2DTransposeBackward(x, w, dy, dx, dw, db, ws, batch, g);
            Cpu.Conv2DTransposeBackward(x, w, dy, null, dwAlone, null, ws, batch, g);
            return [("y", y.Array), ("dx", dx.Array), ("dW", dw.Array), ("db", db.Array), ("dW without dx", dwAlone.Array)];
        });

    private static KernelCase Recurrent(string name, int batch, RecurrentGeometry g) =>
        new(name, garbage =>
        {
            var (x, wih, whh, bih, bhh, dy) = (Input(batch * g.InputSize, 1), Input(g.GateSize * g.Inputs, 2), Input(g.GateSize * g.Units, 3),
                Input(g.GateSize, 4), Input(g.GateSize, 5), Input(batch * g.OutputSize, 6));
            var buffers = new RecurrentBuffers(wih, whh, bih, bhh, Scratch(batch * g.StatesLength, garbage), Scratch(batch * g.StepLength, garbage));
            var gradients = new RecurrentGradients(Scratch(g.GateSize * g.Inputs, garbage), Scratch(g.GateSize * g.Units, garbage),
                Scratch(g.GateSize, garbage), Scratch(g.GateSize, garbage), Scratch(batch * g.GateGradientLength, garbage), Scratch(batch * g.GateGradientLength, garbage));
            var (y, dx) = (Scratch(batch * g.OutputSize, garbage), Scratch(batch * g.InputSize, garbage));
            if (g.OutputFeatures != g.Units) Array.Clear(y.Array); // the other direction's features are not this call's to write
            Cpu.RecurrentForward(x, y, buffers, batch, g);
            Cpu.RecurrentBackward(x, dy, dx, buffers, gradients, batch, g);
            return [("y", y.Array), ("dx", dx.Array), ("dW_ih", ((CpuBuffer)gradients.WeightIh).Array), ("dW_hh", ((CpuBuffer)gradients.WeightHh).Array),
                ("db_ih", ((CpuBuffer)gradients.BiasIh).Array), ("db_hh", ((CpuBuffer)gradients.BiasHh).Array)];
        });

    private static KernelCase BatchNorm(string name, int batch, int channels, int spatial, bool affine) =>
        new(name, garbage =>
        {
            int length = batch * channels * spatial;
            // An offset of 3 and a spread of 2: the shifted sums and the two-pass variance have something to do.
            var x = Input(length, 1);
            foreach (ref float v in x.Array.AsSpan()) v = 3f + 2f * v;
            var (gamma, beta) = affine ? (Input(channels, 2), Input(channels, 3)) : (null, null);
            // Running statistics are read and updated: every run starts them from the same values.
            var (runningMean, runningVariance) = (Input(channels, 4), Input(channels, 5));
            foreach (ref float v in runningVariance.Array.AsSpan()) v = 1.5f + v;
            var (y, mean, inverseStd) = (Scratch(length, garbage), Scratch(channels, garbage), Scratch(channels, garbage));
            var buffers = new BatchNormBuffers(gamma, beta, runningMean, runningVariance, mean, inverseStd);
            var geometry = new BatchNormGeometry(channels, spatial, 0.9f, 1e-3f);
            Cpu.BatchNormForward(x, y, buffers, batch, geometry, training: true);
            var (dx, dGamma, dBeta) = (Scratch(length, garbage), Scratch(channels, garbage), Scratch(channels, garbage));
            Cpu.BatchNormBackward(x, Input(length, 6), dx, affine ? dGamma : null, affine ? dBeta : null, buffers, batch, geometry);
            var inference = Scratch(length, garbage);
            Cpu.BatchNormForward(x, inference, buffers, batch, geometry, training: false);
            (string, float[])[] outputs = [("y", y.Array), ("saved mean", mean.Array), ("saved inverse std", inverseStd.Array), ("running mean", runningMean.Array),
                ("running variance", runningVariance.Array), ("dx", dx.Array), ("inference y", inference.Array)];
            return affine ? [.. outputs, ("dGamma", dGamma.Array), ("dBeta", dBeta.Array)] : outputs;
        });

    private static KernelCase Pool(string name, int batch, Pool2DGeometry g, bool max) =>
        new(name, garbage =>
        {
            var (x, dy) = (Input(batch * g.InputSize, 1), Input(batch * g.OutputSize, 2));
            var (y, dx) = (Scratch(batch * g.OutputSize, garbage), Scratch(batch * g.InputSize, garbage));
            if (max)
            {
                Cpu.MaxPool2DForward(x, y, batch, g);
                Cpu.MaxPool2DBackward(x, dy, dx, batch, g);
            }
            else
            {
                Cpu.AvgPool2DForward(x, y, batch, g);
                Cpu.AvgPool2DBackward(dy, dx, batch, g);
            }
            return [("y", y.Array), ("dx", dx.Array)];
        });

    private static KernelCase Softmax(string name, int batch, int features) =>
        new(name, garbage =>
        {
            var x = Input(batch * features, 1);
            foreach (ref float v in x.Array.AsSpan()) v *= 8f;
            var (y, dx) = (Scratch(batch * features, garbage), Scratch(batch * features, garbage));
            Cpu.ActivationForward(Activation.Softmax, 0f, x, y, batch, features);
            Cpu.ActivationBackward(Activation.Softmax, 0f, x, y, Input(batch * features, 2), dx, batch, features);
            return [("y", y.Array), ("dx", dx.Array)];
        });

    private static KernelCase GlobalAvgPool(string name, int batch, int channels, int spatial) =>
        new(name, garbage =>
        {
            var (y, dx) = (Scratch(batch * channels, garbage), Scratch(batch * channels * spatial, garbage));
            Cpu.GlobalAvgPool2DForward(Input(batch * channels * spatial, 1), y, batch, new GlobalPool2DGeometry(channels, spatial));
            Cpu.GlobalAvgPool2DBackward(Input(batch * channels, 2), dx, batch, new GlobalPool2DGeometry(channels, spatial));
            return [("y", y.Array), ("dx", dx.Array)];
        });

    private static KernelCase Dropout(string name, int length, float rate) =>
        new(name, garbage =>
        {
            var (y, mask, dx) = (Scratch(length, garbage), Scratch(length, garbage), Scratch(length, garbage));
            Cpu.DropoutForward(Input(length, 1), y, mask, rate, seed: 12345, length);
            Cpu.DropoutBackward(mask, Input(length, 2), dx, length);
            return [("y", y.Array), ("mask", mask.Array), ("dx", dx.Array)];
        });
}
