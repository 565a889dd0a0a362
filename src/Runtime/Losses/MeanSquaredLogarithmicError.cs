using System;

namespace Unroll;

/// <summary>
/// mean((log(max(p, ε) + 1) − log(max(y, ε) + 1))²) over all batch × size values, as Keras
/// <c>mean_squared_logarithmic_error</c> (ε = 1e-7). Predictions below ε are clipped and get zero gradient.
/// </summary>
public sealed class MeanSquaredLogarithmicError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_logarithmic_error";

    /// <inheritdoc/>
    public override float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
    {
        Validate(prediction, target, gradient, batch, outputSize);
        int n = prediction.Length;
        double scale = 2.0 / n;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float p = prediction[i];
            double d = Math.Log(Math.Max(p, Epsilon) + 1.0) - Math.Log(Math.Max(target[i], Epsilon) + 1.0);
            sum += d * d;
            gradient[i] = p >= Epsilon ? (float)(scale * d / (p + 1.0)) : 0f;
        }
        return (float)(sum / n);
    }
}
