using System;

namespace Unroll;

/// <summary>
/// mean(max(1 − y·p, 0)²) over all batch × size values, as Keras <c>squared_hinge</c>. Targets are −1 or 1; when every
/// target in the batch is 0 or 1 they are read as −1/1 (y ← 2y − 1), as Keras does. Gradient −2y·max(1 − y·p, 0)/N.
/// </summary>
public sealed class SquaredHinge : Loss
{
    /// <inheritdoc/>
    public override string Name => "squared_hinge";

    /// <inheritdoc/>
    public override float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
    {
        Validate(prediction, target, gradient, batch, outputSize);
        int n = prediction.Length;
        bool binary = Hinge.IsBinary(target);
        float scale = 2f / n;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float y = binary ? 2f * target[i] - 1f : target[i];
            float margin = MathF.Max(1f - y * prediction[i], 0f);
            sum += (double)margin * margin;
            gradient[i] = -y * margin * scale;
        }
        return (float)(sum / n);
    }
}
