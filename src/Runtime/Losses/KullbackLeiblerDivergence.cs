using System;

namespace Unroll;

/// <summary>
/// Σⱼ yⱼ·log(yⱼ/pⱼ) summed over a sample's features and averaged over the batch, as Keras <c>kl_divergence</c>
/// (PyTorch <c>KLDivLoss(reduction="batchmean")</c> on log p): targets and predictions are clipped to [ε, 1]
/// (ε = 1e-7) and clipped predictions get zero gradient. Gradient −yⱼ/pⱼ/batch.
/// </summary>
public sealed class KullbackLeiblerDivergence : Loss
{
    /// <inheritdoc/>
    public override string Name => "kl_divergence";

    /// <inheritdoc/>
    public override Activation? ReadsProbabilitiesFrom => Activation.Softmax;

    /// <inheritdoc/>
    public override float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
    {
        Validate(prediction, target, gradient, batch, outputSize);
        double scale = 1.0 / batch;
        double sum = 0;
        for (int i = 0; i < prediction.Length; i++)
        {
            float p = prediction[i];
            double y = Math.Clamp(target[i], Epsilon, 1f);
            double c = Math.Clamp(p, Epsilon, 1f);
            sum += y * Math.Log(y / c);
            gradient[i] = p >= Epsilon && p <= 1f ? (float)(-y / c * scale) : 0f;
        }
        return (float)(sum / batch);
    }
}
