using System;

namespace Unroll;

/// <summary>
/// mean((p − y)²) over all batch × size values; gradient 2(p − y)/N. Keras <c>mean_squared_error</c>, PyTorch <c>MSELoss()</c>.
/// </summary>
public sealed class MeanSquaredError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    /// <inheritdoc/>
    public override float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
    {
        Validate(prediction, target, gradient, batch, outputSize);
        int n = prediction.Length;
        float scale = 2f / n;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float d = prediction[i] - target[i];
            sum += (double)d * d;
            gradient[i] = scale * d;
        }
        return (float)(sum / n);
    }
}
