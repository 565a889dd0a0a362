using System;

namespace Unroll;

/// <summary>
/// −mean(y·log p + (1 − y)·log(1 − p)) over all batch × size values, as Keras <c>binary_crossentropy</c> and PyTorch
/// <c>BCELoss()</c>; predictions are clipped to [ε, 1 − ε] (ε = 1e-7) and clipped values get zero gradient.
/// Fuses with <see cref="Activation.Sigmoid"/>: from logits z it computes max(z, 0) − z·y + log(1 + e^−|z|)
/// (PyTorch <c>BCEWithLogitsLoss()</c>), whose gradient is (σ(z) − y)/N, finite for any z.
/// With <see cref="Loss.FromLogits"/> (Keras's <c>from_logits=True</c>), <see cref="Compute"/> takes logits and computes that fused form.
/// </summary>
/// <example><code>
/// var probabilities = new BinaryCrossEntropy();               // the network ends in Sigmoid
/// var logits = new BinaryCrossEntropy(fromLogits: true);      // the network ends in Dense(1), no Sigmoid
/// </code></example>
public sealed class BinaryCrossEntropy : Loss
{
    /// <summary>
    /// A binary cross-entropy loss. With <paramref name="fromLogits"/> it takes the network's raw scores (a network that ends without
    /// Sigmoid) and applies sigmoid itself; otherwise it takes probabilities, and the network must end in Sigmoid.
    /// See <see cref="Loss.FromLogits"/>.
    /// </summary>
    public BinaryCrossEntropy(bool fromLogits = false) => FromLogits = fromLogits;

    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    /// <inheritdoc/>
    public override Activation? FusesWith => Activation.Sigmoid;

    /// <inheritdoc/>
    public override float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
    {
        if (FromLogits) return ComputeFromLogits(prediction, target, gradient, batch, outputSize);
        Validate(prediction, target, gradient, batch, outputSize);
        int n = prediction.Length;
        double scale = 1.0 / n;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float p = prediction[i];
            double y = target[i];
            double c = Math.Clamp(p, Epsilon, 1f - Epsilon);
            sum -= y * Math.Log(c) + (1 - y) * Math.Log(1 - c);
            bool inside = p >= Epsilon && p <= 1f - Epsilon;
            gradient[i] = inside ? (float)(scale * ((1 - y) / (1 - c) - y / c)) : 0f;
        }
        return (float)(sum / n);
    }

    /// <inheritdoc/>
    public override float ComputeFromLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
    {
        Validate(logits, target, gradient, batch, outputSize, nameof(logits));
        int n = logits.Length;
        double scale = 1.0 / n;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double z = logits[i];
            double y = target[i];
            sum += Math.Max(z, 0) - z * y + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            gradient[i] = (float)(scale * (Sigmoid(z) - y));
        }
        return (float)(sum / n);
    }
}
