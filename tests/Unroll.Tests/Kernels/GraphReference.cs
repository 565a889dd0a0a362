using System;

namespace Unroll.Tests.Kernels;

/// <summary>Naive double-precision definitions of the graph, normalisation, global pooling and padding operations.</summary>
internal static class GraphReference
{
    public static double[] ConcatChannels(double[][] inputs, int[] channels, int batch, int spatial)
    {
        int total = 0;
        foreach (int c in channels) total += c;
        var y = new double[batch * total * spatial];
        for (int n = 0; n < batch; n++)
        {
            int offset = 0;
            for (int k = 0; k < inputs.Length; k++)
            {
                for (int c = 0; c < channels[k]; c++)
                    for (int s = 0; s < spatial; s++)
                        y[(n * total + offset + c) * spatial + s] = inputs[k][(n * channels[k] + c) * spatial + s];
                offset += channels[k];
            }
        }
        return y;
    }

    public static double[] GlobalAvgPool(double[] x, int batch, int channels, int spatial)
    {
        var y = new double[batch * channels];
        for (int p = 0; p < batch * channels; p++)
        {
            double sum = 0;
            for (int s = 0; s < spatial; s++) sum += x[p * spatial + s];
            y[p] = sum / spatial;
        }
        return y;
    }

    public static double[] ZeroPad(double[] x, int batch, int channels, int ih, int iw, int top, int left, int oh, int ow)
    {
        var y = new double[batch * channels * oh * ow];
        for (int p = 0; p < batch * channels; p++)
            for (int r = 0; r < ih; r++)
                for (int c = 0; c < iw; c++)
                    y[(p * oh + r + top) * ow + c + left] = x[(p * ih + r) * iw + c];
        return y;
    }

    /// <summary>Per-channel batch statistics: mean and biased variance over batch × spatial values.</summary>
    public static (double[] mean, double[] variance) Moments(double[] x, int batch, int channels, int spatial)
    {
        var mean = new double[channels]; var variance = new double[channels];
        int count = batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int n = 0; n < batch; n++) for (int s = 0; s < spatial; s++) sum += x[(n * channels + c) * spatial + s];
            mean[c] = sum / count;
            double sq = 0;
            for (int n = 0; n < batch; n++) for (int s = 0; s < spatial; s++) { double d = x[(n * channels + c) * spatial + s] - mean[c]; sq += d * d; }
            variance[c] = sq / count;
        }
        return (mean, variance);
    }

    /// <summary>y = gamma·(x − mean)/√(var + ε) + beta with the given per-channel statistics.</summary>
    public static double[] Normalize(double[] x, double[]? gamma, double[]? beta, double[] mean, double[] variance, double epsilon, int batch, int channels, int spatial)
    {
        var y = new double[x.Length];
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < channels; c++)
                for (int s = 0; s < spatial; s++)
                {
                    int i = (n * channels + c) * spatial + s;
                    y[i] = (gamma?[c] ?? 1) * (x[i] - mean[c]) / Math.Sqrt(variance[c] + epsilon) + (beta?[c] ?? 0);
                }
        return y;
    }

    /// <summary>Training-mode batch normalisation (batch statistics).</summary>
    public static double[] BatchNormTraining(double[] x, double[]? gamma, double[]? beta, double epsilon, int batch, int channels, int spatial)
    {
        var (mean, variance) = Moments(x, batch, channels, spatial);
        return Normalize(x, gamma, beta, mean, variance, epsilon, batch, channels, spatial);
    }
}
