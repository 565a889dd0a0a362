using System;

namespace Unroll;

/// <summary>
/// −Σⱼ yⱼ·log pⱼ summed over a sample's features and averaged over the batch, as Keras <c>categorical_crossentropy</c>;
/// targets are one-hot rows or probability distributions. Like Keras, each prediction row is first divided by its sum and
/// then clipped to [ε, 1 − ε] (ε = 1e-7); clipped values get zero gradient.
/// Fuses with <see cref="Activation.Softmax"/>: from logits z it computes Σⱼ yⱼ·(logΣₖe^zₖ − zⱼ) through a
/// max-shifted log-sum-exp (PyTorch <c>CrossEntropyLoss()</c> with probability targets), whose gradient is
/// (softmax(z)·Σⱼyⱼ − y)/batch, i.e. (softmax(z) − y)/batch for targets that sum to 1; finite for any finite logits.
/// With <see cref="Loss.FromLogits"/> (Keras's <c>from_logits=True</c>), <see cref="Compute"/> takes logits and computes that fused form.
/// </summary>
/// <example><code>
/// var probabilities = new CategoricalCrossEntropy();                 // the network ends in Softmax
/// var logits = new CategoricalCrossEntropy(fromLogits: true);        // the network ends in Dense(10), no Softmax
/// </code></example>
public sealed class CategoricalCrossEntropy : Loss
{
    /// <summary>
    /// A categorical cross-entropy loss. With <paramref name="fromLogits"/> it takes the network's raw scores (a network that ends without
    /// Softmax) and applies softmax itself; otherwise it takes probabilities, and the network must end in Softmax.
    /// See <see cref="Loss.FromLogits"/>.
    /// </summary>
    public CategoricalCrossEntropy(bool fromLogits = false) => FromLogits = fromLogits;

    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";

    /// <inheritdoc/>
    public override Activation? FusesWith => Activation.Softmax;

    /// <inheritdoc/>
    public override float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
    {
        if (FromLogits) return ComputeFromLogits(prediction, target, gradient, batch, outputSize);
        Validate(prediction, target, gradient, batch, outputSize);
        double sum = 0;
        for (int b = 0; b < batch; b++)
        {
            int o = b * outputSize;
            sum += ProbabilityRow(prediction.Slice(o, outputSize), target.Slice(o, outputSize), -1, gradient.Slice(o, outputSize), batch);
        }
        return (float)(sum / batch);
    }

    /// <inheritdoc/>
    public override float ComputeFromLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
    {
        Validate(logits, target, gradient, batch, outputSize, nameof(logits));
        double sum = 0;
        for (int b = 0; b < batch; b++)
        {
            int o = b * outputSize;
            sum += LogitRow(logits.Slice(o, outputSize), target.Slice(o, outputSize), -1, gradient.Slice(o, outputSize), batch);
        }
        return (float)(sum / batch);
    }

    /// <summary>
    /// One sample's −Σ yⱼ·log clip(pⱼ/S) with S = Σ pⱼ; writes dL/dp / batch. The target is the row <paramref name="y"/>,
    /// or one-hot at <paramref name="classIndex"/> when <paramref name="y"/> is empty.
    /// </summary>
    internal static double ProbabilityRow(ReadOnlySpan<float> p, ReadOnlySpan<float> y, int classIndex, Span<float> gradient, int batch)
    {
        double s = 0;
        foreach (float v in p) s += v;
        // With q = p/S, c = clip(q) and g = dL/dq = −y/c where unclipped: dL/dpᵢ = (gᵢ − Σⱼ gⱼqⱼ)/S.
        double loss = 0, gq = 0;
        for (int j = 0; j < p.Length; j++)
        {
            double yj = y.IsEmpty ? (j == classIndex ? 1 : 0) : y[j];
            double q = p[j] / s;
            double c = Math.Clamp(q, Epsilon, 1 - (double)Epsilon);
            if (yj != 0) loss -= yj * Math.Log(c);
            double g = q >= Epsilon && q <= 1 - (double)Epsilon ? -yj / c : 0;
            gq += g * q;
            gradient[j] = (float)g;
        }
        double scale = 1.0 / (s * batch);
        for (int j = 0; j < p.Length; j++) gradient[j] = (float)((gradient[j] - gq) * scale);
        return loss;
    }

    /// <summary>
    /// One sample's Σ yⱼ·(lse(z) − zⱼ) from logits; writes (softmax(z)·Σy − y)/batch. Target as in <see cref="ProbabilityRow"/>.
    /// </summary>
    internal static double LogitRow(ReadOnlySpan<float> z, ReadOnlySpan<float> y, int classIndex, Span<float> gradient, int batch)
    {
        float max = float.NegativeInfinity;
        foreach (float v in z) max = MathF.Max(max, v);
        // Exponents are ≤ 0 after the shift, so nothing overflows; the largest term is 1, so the sum is ≥ 1.
        double sumExp = 0;
        for (int j = 0; j < z.Length; j++)
        {
            double e = Math.Exp((double)z[j] - max);
            sumExp += e;
            gradient[j] = (float)e;
        }
        double logSumExp = Math.Log(sumExp);
        double loss = 0, ySum = 0;
        for (int j = 0; j < z.Length; j++)
        {
            double yj = y.IsEmpty ? (j == classIndex ? 1 : 0) : y[j];
            if (yj != 0) loss += yj * (logSumExp - ((double)z[j] - max));
            ySum += yj;
        }
        double scale = 1.0 / batch;
        for (int j = 0; j < z.Length; j++)
        {
            double yj = y.IsEmpty ? (j == classIndex ? 1 : 0) : y[j];
            gradient[j] = (float)((gradient[j] / sumExp * ySum - yj) * scale);
        }
        return loss;
    }
}
