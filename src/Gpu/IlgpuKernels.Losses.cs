using System;
using ILGPU;

namespace Unroll;

/// <summary>The built-in losses, one formula each, as <see cref="IlgpuKernels.LossRows"/> computes them.</summary>
internal enum LossFormula
{
    MeanSquared, MeanAbsolute, MeanSquaredLogarithmic, Hinge, SquaredHinge, KullbackLeibler,
    BinaryCrossEntropy, BinaryCrossEntropyFromLogits,
    Categorical, CategoricalFromLogits, SparseCategorical, SparseCategoricalFromLogits,
}

/// <summary>
/// One loss over a batch: its formula, the row size, the batch, and the factor that turns the row's derivative into the
/// gradient of the batch's mean (1/(batch·size) for element-wise losses, 1/batch for row losses), times the output's weight.
/// </summary>
internal readonly record struct LossArgs(LossFormula Formula, int Size, int Batch, float GradientScale);

internal static partial class IlgpuKernels
{
    // ---- Losses: one thread per sample writes its row's gradient and its loss sum (summed in order by SumRows).
    // The formulas, clips and zero gradients at the clips are those of the loss classes (Unroll.Runtime's Losses folder),
    // in float where those sum in double.

    public static void LossRows(Index1D row, ArrayView<float> p, ArrayView<float> t, ArrayView<float> g, ArrayView<float> rowLoss, LossArgs a)
    {
        int o = row * a.Size;
        float loss = 0f;
        switch (a.Formula)
        {
            case LossFormula.Categorical:
                loss = ProbabilityRow(p, t, o, -1, g, a);
                break;
            case LossFormula.SparseCategorical:
            case LossFormula.SparseCategoricalFromLogits:
                float label = t[row];
                if (!(label >= 0 && label < a.Size && label == MathF.Floor(label)))
                {
                    // The trainer checks targets on the host; a direct caller with a bad one gets a NaN loss, not a silent one.
                    for (int j = 0; j < a.Size; j++) g[o + j] = 0f;
                    loss = float.NaN;
                }
                else loss = a.Formula == LossFormula.SparseCategorical ? ProbabilityRow(p, t, o, (int)label, g, a) : LogitRow(p, t, o, (int)label, g, a);
                break;
            case LossFormula.CategoricalFromLogits:
                loss = LogitRow(p, t, o, -1, g, a);
                break;
            default:
                // Keras's hinge maps all-0/1 targets to ±1, deciding over the whole batch: each thread scans it (a few
                // thousand values) rather than a separate pass.
                bool binary = a.Formula == LossFormula.Hinge || a.Formula == LossFormula.SquaredHinge ? AllBinary(t, a.Batch * a.Size) : false;
                for (int j = 0; j < a.Size; j++)
                {
                    loss += Elementwise(a.Formula, p[o + j], t[o + j], binary, a.GradientScale, out float gradient);
                    g[o + j] = gradient;
                }
                break;
        }
        rowLoss[row] = loss;
    }

    /// <summary>v clipped to [low, high]; Math.Clamp does not compile for a kernel (its argument check throws).</summary>
    private static float Clip(float v, float low, float high) => v < low ? low : v > high ? high : v;

    private static bool AllBinary(ArrayView<float> t, int n)
    {
        for (int i = 0; i < n; i++)
            if (t[i] != 0f && t[i] != 1f) return false;
        return true;
    }

    /// <summary>One value's loss; its gradient (already scaled) goes to <paramref name="gradient"/>.</summary>
    private static float Elementwise(LossFormula formula, float p, float y, bool binary, float scale, out float gradient)
    {
        const float eps = Loss.Epsilon;
        switch (formula)
        {
            case LossFormula.MeanSquared:
            {
                float d = p - y;
                gradient = 2f * scale * d;
                return d * d;
            }
            case LossFormula.MeanAbsolute:
            {
                float d = p - y;
                gradient = d > 0 ? scale : d < 0 ? -scale : 0f;
                return MathF.Abs(d);
            }
            case LossFormula.MeanSquaredLogarithmic:
            {
                float d = MathF.Log(MathF.Max(p, eps) + 1f) - MathF.Log(MathF.Max(y, eps) + 1f);
                gradient = p >= eps ? 2f * scale * d / (p + 1f) : 0f;
                return d * d;
            }
            case LossFormula.Hinge:
            {
                float s = binary ? 2f * y - 1f : y;
                float margin = 1f - s * p;
                gradient = margin > 0 ? -s * scale : 0f;
                return margin > 0 ? margin : 0f;
            }
            case LossFormula.SquaredHinge:
            {
                float s = binary ? 2f * y - 1f : y;
                float margin = MathF.Max(1f - s * p, 0f);
                gradient = -s * margin * 2f * scale;
                return margin * margin;
            }
            case LossFormula.KullbackLeibler:
            {
                float yc = Clip(y, eps, 1f), c = Clip(p, eps, 1f);
                gradient = p >= eps && p <= 1f ? -yc / c * scale : 0f;
                return yc * MathF.Log(yc / c);
            }
            case LossFormula.BinaryCrossEntropy:
            {
                float c = Clip(p, eps, 1f - eps);
                gradient = p >= eps && p <= 1f - eps ? scale * ((1f - y) / (1f - c) - y / c) : 0f;
                return -(y * MathF.Log(c) + (1f - y) * MathF.Log(1f - c));
            }
            default: // BinaryCrossEntropyFromLogits
            {
                float e = MathF.Exp(-MathF.Abs(p));
                float sigmoid = p >= 0 ? 1f / (1f + e) : e / (1f + e);
                gradient = scale * (sigmoid - y);
                return MathF.Max(p, 0f) - p * y + MathF.Log(1f + e);
            }
        }
    }

    /// <summary>Categorical cross-entropy of one row of probabilities, as CategoricalCrossEntropy.ProbabilityRow.</summary>
    private static float ProbabilityRow(ArrayView<float> p, ArrayView<float> t, int o, int classIndex, ArrayView<float> g, LossArgs a)
    {
        const float eps = Loss.Epsilon;
        float s = 0f;
        for (int j = 0; j < a.Size; j++) s += p[o + j];
        float loss = 0f, gq = 0f;
        for (int j = 0; j < a.Size; j++)
        {
            float y = classIndex >= 0 ? (j == classIndex ? 1f : 0f) : t[o + j];
            float q = p[o + j] / s;
            float c = Clip(q, eps, 1f - eps);
            if (y != 0) loss -= y * MathF.Log(c);
            float d = q >= eps && q <= 1f - eps ? -y / c : 0f;
            gq += d * q;
            g[o + j] = d;
        }
        float scale = a.GradientScale / s;
        for (int j = 0; j < a.Size; j++) g[o + j] = (g[o + j] - gq) * scale;
        return loss;
    }

    /// <summary>Softmax cross-entropy of one row of logits, as CategoricalCrossEntropy.LogitRow.</summary>
    private static float LogitRow(ArrayView<float> z, ArrayView<float> t, int o, int classIndex, ArrayView<float> g, LossArgs a)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < a.Size; j++) max = MathF.Max(max, z[o + j]);
        float sumExp = 0f;
        for (int j = 0; j < a.Size; j++)
        {
            float e = MathF.Exp(z[o + j] - max);
            sumExp += e;
            g[o + j] = e;
        }
        float logSumExp = MathF.Log(sumExp);
        float loss = 0f, ySum = 0f;
        for (int j = 0; j < a.Size; j++)
        {
            float y = classIndex >= 0 ? (j == classIndex ? 1f : 0f) : t[o + j];
            if (y != 0) loss += y * (logSumExp - (z[o + j] - max));
            ySum += y;
        }
        for (int j = 0; j < a.Size; j++)
        {
            float y = classIndex >= 0 ? (j == classIndex ? 1f : 0f) : t[o + j];
            g[o + j] = (g[o + j] / sumExp * ySum - y) * a.GradientScale;
        }
        return loss;
    }

    /// <summary>1 where row <paramref name="row"/>'s prediction is its label, else 0 (see ILossOperations.CountCorrect).</summary>
    public static void CorrectRows(Index1D row, ArrayView<float> p, ArrayView<float> labels, ArrayView<float> hits, int size, float threshold)
    {
        int o = row * size, predicted = 0;
        if (size == 1) predicted = p[o] > threshold ? 1 : 0;
        else
            for (int j = 1; j < size; j++)
                if (p[o + j] > p[o + predicted]) predicted = j;
        hits[row] = predicted == labels[row] ? 1f : 0f;
    }

    /// <summary>One thread: result[slot] = (Σ rows[0..count)) / divisor, added in order.</summary>
    public static void SumRows(Index1D i, ArrayView<float> rows, ArrayView<float> result, int slot, int count, float divisor)
    {
        float sum = 0f;
        for (int r = 0; r < count; r++) sum += rows[r];
        result[slot] = sum / divisor;
    }
}
