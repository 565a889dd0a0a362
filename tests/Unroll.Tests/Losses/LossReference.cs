using System;
using System.Collections.Generic;
using System.Linq;

namespace Unroll.Tests.Losses;

/// <summary>
/// Straightforward double-precision formulas of every loss, written independently of the runtime (Keras's definitions),
/// used as the reference for values and differentiated numerically for gradients.
/// </summary>
internal static class LossReference
{
    private const double Eps = 1e-7;

    private static double Clip(double x, double lo, double hi) => Math.Min(Math.Max(x, lo), hi);

    /// <summary>The reference for <paramref name="loss"/>, on predictions (or logits when <paramref name="fromLogits"/>).</summary>
    public static Func<double[], double[], int, int, double> For(Loss loss, bool fromLogits) => (loss, fromLogits) switch
    {
        (MeanSquaredError, false) => (p, y, b, n) => Enumerable.Range(0, p.Length).Average(i => (p[i] - y[i]) * (p[i] - y[i])),
        (MeanAbsoluteError, false) => (p, y, b, n) => Enumerable.Range(0, p.Length).Average(i => Math.Abs(p[i] - y[i])),
        (MeanSquaredLogarithmicError, false) => (p, y, b, n) => Enumerable.Range(0, p.Length).Average(i =>
            Math.Pow(Math.Log(Math.Max(p[i], Eps) + 1) - Math.Log(Math.Max(y[i], Eps) + 1), 2)),
        (BinaryCrossEntropy, false) => (p, y, b, n) => Enumerable.Range(0, p.Length).Average(i =>
        {
            double c = Clip(p[i], Eps, 1 - Eps);
            return -(y[i] * Math.Log(c) + (1 - y[i]) * Math.Log(1 - c));
        }),
        (BinaryCrossEntropy, true) => (z, y, b, n) => Enumerable.Range(0, z.Length).Average(i =>
        {
            // Written differently from the runtime on purpose: −y·log σ(z) − (1 − y)·log(1 − σ(z)) via softplus.
            return y[i] * Softplus(-z[i]) + (1 - y[i]) * Softplus(z[i]);
        }),
        (Hinge, false) => (p, y, b, n) => { var t = HingeTargets(y); return Enumerable.Range(0, p.Length).Average(i => Math.Max(1 - t[i] * p[i], 0)); },
        (SquaredHinge, false) => (p, y, b, n) => { var t = HingeTargets(y); return Enumerable.Range(0, p.Length).Average(i => Math.Pow(Math.Max(1 - t[i] * p[i], 0), 2)); },
        (CategoricalCrossEntropy, false) => (p, y, b, n) => Rows(b).Average(r =>
        {
            double s = Enumerable.Range(0, n).Sum(j => p[r * n + j]);
            return -Enumerable.Range(0, n).Sum(j => y[r * n + j] * Math.Log(Clip(p[r * n + j] / s, Eps, 1 - Eps)));
        }),
        (CategoricalCrossEntropy, true) => (z, y, b, n) => Rows(b).Average(r =>
            -Enumerable.Range(0, n).Sum(j => y[r * n + j] * LogSoftmax(z, r, n, j))),
        (SparseCategoricalCrossEntropy, false) => (p, y, b, n) => Rows(b).Average(r =>
        {
            double s = Enumerable.Range(0, n).Sum(j => p[r * n + j]);
            return -Math.Log(Clip(p[r * n + (int)y[r]] / s, Eps, 1 - Eps));
        }),
        (SparseCategoricalCrossEntropy, true) => (z, y, b, n) => Rows(b).Average(r => -LogSoftmax(z, r, n, (int)y[r])),
        (KullbackLeiblerDivergence, false) => (p, y, b, n) => Enumerable.Range(0, p.Length).Sum(i =>
        {
            double t = Clip(y[i], Eps, 1), c = Clip(p[i], Eps, 1);
            return t * Math.Log(t / c);
        }) / b,
        _ => throw new ArgumentException($"No reference for {loss.Name} (fromLogits: {fromLogits})."),
    };

    /// <summary>Central differences of the reference at <paramref name="x"/>, step h = 1e-6·max(1, |x|).</summary>
    /// <remarks>
    /// In double, the rounding error of a difference quotient is about 1e-16·|L|/h ≈ 1e-10 and the truncation error
    /// h²·|L'''|/6 stays below 1e-8 for the inputs used here (probabilities ≥ 0.05, so |L'''| ≤ 2/p³ ≈ 2·10⁴),
    /// so the quotient is accurate to far better than the float gradient it is compared with.
    /// </remarks>
    public static double[] NumericalGradient(Func<double[], double[], int, int, double> f, double[] x, double[] y, int batch, int size)
    {
        var grad = new double[x.Length];
        var probe = (double[])x.Clone();
        for (int i = 0; i < x.Length; i++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(x[i]));
            probe[i] = x[i] + h;
            double up = f(probe, y, batch, size);
            probe[i] = x[i] - h;
            double down = f(probe, y, batch, size);
            probe[i] = x[i];
            grad[i] = (up - down) / (2 * h);
        }
        return grad;
    }

    private static IEnumerable<int> Rows(int batch) => Enumerable.Range(0, batch);

    private static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

    private static double LogSoftmax(double[] z, int row, int n, int j)
    {
        double max = Enumerable.Range(0, n).Max(k => z[row * n + k]);
        double lse = max + Math.Log(Enumerable.Range(0, n).Sum(k => Math.Exp(z[row * n + k] - max)));
        return z[row * n + j] - lse;
    }

    private static double[] HingeTargets(double[] y) => y.All(v => v == 0 || v == 1) ? y.Select(v => 2 * v - 1).ToArray() : y;

    public static double[] ToDouble(float[] x) => x.Select(v => (double)v).ToArray();
}
