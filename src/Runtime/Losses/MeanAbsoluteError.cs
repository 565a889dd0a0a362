using System;

namespace Unroll;

/// <summary>
/// mean(|p − y|) over all batch × size values; gradient sign(p − y)/N (0 where p = y, as PyTorch).
/// Keras <c>mean_absolute_error</c>, PyTorch <c>L1Loss()</c>.
/// </summary>
public sealed class MeanAbsoluteError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";

    /// <inheritdoc/>
    public override float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
    {
        Validate(prediction, target, gradient, batch, outputSize);
        int n = prediction.Length;
        float scale = 1f / n;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float d = prediction[i] - target[i];
            sum += Math.Abs(d);
            gradient[i] = d > 0 ? scale : d < 0 ? -scale : 0f;
        }
        return (float)(sum / n);
    }
}
