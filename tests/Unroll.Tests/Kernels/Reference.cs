using System.Collections.Generic;
using System;

namespace Unroll.Tests.Kernels;

/// <summary>Naive double-precision definitions of every kernel, written for clarity, not speed.</summary>
internal static class Reference
{
    /// <summary>C = alpha·op(A)·op(B) + beta·C on row-major matrices with leading dimensions.</summary>
    public static double[] Gemm(bool ta, bool tb, int m, int n, int k, double alpha, float[] a, int lda, float[] b, int ldb, double beta, float[] c, int ldc)
    {
        var result = Array.ConvertAll(c, v => (double)v);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                    sum += (ta ? a[p * lda + i] : a[i * lda + p]) * (double)(tb ? b[j * ldb + p] : b[p * ldb + j]);
                result[i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * ldc + j]);
            }
        return result;
    }

    public static double[] Dense(double[] x, double[] w, double[]? bias, int batch, int inputs, int units)
    {
        var y = new double[batch * units];
        for (int s = 0; s < batch; s++)
            for (int u = 0; u < units; u++)
            {
                double sum = bias?[u] ?? 0;
                for (int i = 0; i < inputs; i++) sum += x[s * inputs + i] * w[u * inputs + i];
                y[s * units + u] = sum;
            }
        return y;
    }

    public static double[] Conv2D(double[] x, double[] w, double[]? bias, int batch, Conv2DGeometry g)
    {
        var y = new double[batch * g.OutputSize];
        int cg = g.InChannels / g.Groups, og = g.OutChannels / g.Groups;
        for (int s = 0; s < batch; s++)
            for (int oc = 0; oc < g.OutChannels; oc++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        double sum = bias?[oc] ?? 0;
                        int group = oc / og;
                        for (int c = 0; c < cg; c++)
                            for (int i = 0; i < g.KernelHeight; i++)
                                for (int j = 0; j < g.KernelWidth; j++)
                                {
                                    int iy = oy * g.StrideHeight - g.PadTop + i, ix = ox * g.StrideWidth - g.PadLeft + j;
                                    if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                                    sum += x[((s * g.InChannels + group * cg + c) * g.InHeight + iy) * g.InWidth + ix]
                                        * w[((oc * cg + c) * g.KernelHeight + i) * g.KernelWidth + j];
                                }
                        y[((s * g.OutChannels + oc) * g.OutHeight + oy) * g.OutWidth + ox] = sum;
                    }
        return y;
    }

    public static double[] Pool(double[] x, int batch, Pool2DGeometry g, bool max)
    {
        var y = new double[batch * g.OutputSize];
        for (int p = 0; p < batch * g.Channels; p++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    double best = double.NegativeInfinity, sum = 0;
                    int count = 0;
                    for (int i = 0; i < g.WindowHeight; i++)
                        for (int j = 0; j < g.WindowWidth; j++)
                        {
                            int iy = oy * g.StrideHeight - g.PadTop + i, ix = ox * g.StrideWidth - g.PadLeft + j;
                            if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                            double v = x[(p * g.InHeight + iy) * g.InWidth + ix];
                            best = Math.Max(best, v); sum += v; count++;
                        }
                    y[(p * g.OutHeight + oy) * g.OutWidth + ox] = max ? best : sum / count;
                }
        return y;
    }

    /// <summary>Pooling's input gradient: max sends each window's gradient to its first largest cell, average spreads it evenly.</summary>
    public static double[] PoolBackward(double[] x, double[] dy, int batch, Pool2DGeometry g, bool max)
    {
        var dx = new double[batch * g.InputSize];
        for (int p = 0; p < batch * g.Channels; p++)
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    var cells = new List<int>();
                    for (int i = 0; i < g.WindowHeight; i++)
                        for (int j = 0; j < g.WindowWidth; j++)
                        {
                            int iy = oy * g.StrideHeight - g.PadTop + i, ix = ox * g.StrideWidth - g.PadLeft + j;
                            if (iy >= 0 && iy < g.InHeight && ix >= 0 && ix < g.InWidth) cells.Add((p * g.InHeight + iy) * g.InWidth + ix);
                        }
                    double gradient = dy[(p * g.OutHeight + oy) * g.OutWidth + ox];
                    if (max)
                    {
                        int best = cells[0];
                        foreach (int cell in cells) if (x[cell] > x[best]) best = cell;
                        dx[best] += gradient;
                    }
                    else foreach (int cell in cells) dx[cell] += gradient / cells.Count;
                }
        return dx;
    }

    public static double[] Activation(Activation activation, double alpha, double[] x, int batch, int features)
    {
        var y = new double[x.Length];
        if (activation == Unroll.Activation.Softmax)
        {
            for (int b = 0; b < batch; b++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int i = 0; i < features; i++) max = Math.Max(max, x[b * features + i]);
                for (int i = 0; i < features; i++) sum += y[b * features + i] = Math.Exp(x[b * features + i] - max);
                for (int i = 0; i < features; i++) y[b * features + i] /= sum;
            }
            return y;
        }
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            y[i] = activation switch
            {
                Unroll.Activation.Linear => v,
                Unroll.Activation.Relu => Math.Max(v, 0),
                Unroll.Activation.LeakyRelu => v > 0 ? v : alpha * v,
                Unroll.Activation.Elu => v > 0 ? v : alpha * (Math.Exp(v) - 1),
                Unroll.Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
                Unroll.Activation.Tanh => Math.Tanh(v),
                _ => throw new ArgumentOutOfRangeException(nameof(activation)),
            };
        }
        return y;
    }
}
