using System;

namespace Unroll;

/// <summary>
/// mean(max(1 − y·p, 0)) over all batch × size values, as Keras <c>hinge</c>. Targets are −1 or 1; when every target in
/// the batch is 0 or 1 they are read as −1/1 (y ← 2y − 1), as Keras does. Gradient −y/N where the margin is violated.
/// </summary>
public sealed class Hinge : Loss
{
    /// <inheritdoc/>
    public override string Name => "hinge";

    /// <inheritdoc/>
    public override float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
    {
        Validate(prediction, target, gradient, batch, outputSize);
        int n = prediction.Length;
        bool binary = IsBinary(target);
        float scale = 1f / n;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float y = binary ? 2f * target[i] - 1f : target[i];
            float margin = 1f - y * prediction[i];
            if (margin > 0)
            {
                sum += margin;
                gradient[i] = -y * scale;
            }
            else gradient[i] = 0f;
        }
        return (float)(sum / n);
    }

    /// <summary>Keras's <c>convert_binary_labels_to_hinge</c> test: every target is 0 or 1.</summary>
    internal static bool IsBinary(ReadOnlySpan<float> target)
    {
        foreach (float t in target)
            if (t != 0f && t != 1f) return false;
        return true;
    }
}
