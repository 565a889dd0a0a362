using System;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>
/// −mean(y·log p + (1 − y)·log(1 − p)) over all batch × size values, as Keras <c>binary_crossentropy</c> and PyTorch
/// <c>BCELoss()</c>; predictions are clipped to [ε, 1 − ε] (ε = 1e-7) and clipped values get zero gradient.
/// Fuses with <see cref="Activation.Sigmoid"/>: from logits z it computes max(z, 0) − z·y + log(1 + e^−|z|)
/// (PyTorch <c>BCEWithLogitsLoss()</c>), whose gradient is (σ(z) − y)/N, finite for any z.
/// With <see cref="Loss.FromLogits"/> (Keras's <c>from_logits=True</c>), <see cref="Compute"/> takes logits and computes that fused form.
/// Targets must lie in [0, 1] (hard 0/1 labels, soft labels, or pixel intensities for an autoencoder): outside it the loss
/// has no minimum, so a value there is rejected, naming the sample and position.
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
    public override string? DescribeInvalidTarget(ReadOnlySpan<float> target, int outputSize)
        => IndexOutsideUnitInterval(target) is var i and >= 0 ? OutsideUnitInterval(target[i], i) : null;

    /// <inheritdoc/>
    public override float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
    {
        if (FromLogits) return ComputeFromLogits(prediction, target, gradient, batch, outputSize);
        Validate(prediction, target, gradient, batch, outputSize);
        RequireUnitInterval(target, outputSize);
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
        RequireUnitInterval(target, outputSize);
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

    // Below 0 or above 1, −y·log p − (1 − y)·log(1 − p) falls without bound as p goes to 0 or 1: training would diverge.
    private static int IndexOutsideUnitInterval(ReadOnlySpan<float> target)
    {
        if (target.IsEmpty || (TensorPrimitives.Min(target) >= 0f && TensorPrimitives.Max(target) <= 1f)) return -1;
        for (int i = 0; i < target.Length; i++)
            if (!(target[i] >= 0f && target[i] <= 1f)) return i;
        return -1;
    }

    private static string OutsideUnitInterval(float value, int position)
        => $"has {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} at position {position}, outside [0, 1]: binary cross-entropy " +
           "takes targets between 0 and 1 and has no minimum outside them (scale the values into [0, 1], or use MeanSquaredError)";

    private void RequireUnitInterval(ReadOnlySpan<float> target, int outputSize)
    {
        if (IndexOutsideUnitInterval(target) is var i and >= 0)
            throw new ArgumentException($"Loss '{Name}': the target of sample {i / outputSize} {OutsideUnitInterval(target[i], i % outputSize)}.", "target");
    }
}
