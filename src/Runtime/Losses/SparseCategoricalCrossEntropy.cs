using System;

namespace Unroll;

/// <summary>
/// Categorical cross-entropy with the target given as one class index per sample, stored as a float
/// (<see cref="TargetSize"/> is 1): −log p_k for each sample, averaged over the batch, as Keras
/// <c>sparse_categorical_crossentropy</c> (rows divided by their sum, then clipped to [ε, 1 − ε]). Equal to
/// <see cref="CategoricalCrossEntropy"/> with one-hot targets. Fuses with <see cref="Activation.Softmax"/>
/// (PyTorch <c>CrossEntropyLoss()</c> with class indices): lse(z) − z_k, gradient (softmax(z) − onehot(k))/batch.
/// A target that is not an integer in [0, outputSize) throws <see cref="ArgumentException"/> naming the sample.
/// With <see cref="Loss.FromLogits"/> (Keras's <c>from_logits=True</c>), <see cref="Compute"/> takes logits and computes that fused form.
/// </summary>
/// <example><code>
/// var probabilities = new SparseCategoricalCrossEntropy();            // the network ends in Softmax
/// var logits = new SparseCategoricalCrossEntropy(fromLogits: true);   // the network ends in Dense(10), no Softmax
/// </code></example>
public sealed class SparseCategoricalCrossEntropy : Loss
{
    /// <summary>
    /// A sparse categorical cross-entropy loss. With <paramref name="fromLogits"/> it takes the network's raw scores (a network that ends without
    /// Softmax) and applies softmax itself; otherwise it takes probabilities, and the network must end in Softmax.
    /// See <see cref="Loss.FromLogits"/>.
    /// </summary>
    public SparseCategoricalCrossEntropy(bool fromLogits = false) => FromLogits = fromLogits;

    /// <inheritdoc/>
    public override string Name => "sparse_categorical_crossentropy";

    /// <summary>1: one class index per sample.</summary>
    public override int TargetSize(int outputSize) => 1;

    /// <inheritdoc/>
    public override Activation? FusesWith => Activation.Softmax;

    /// <inheritdoc/>
    public override string? DescribeInvalidTarget(ReadOnlySpan<float> target, int outputSize)
        => IsClassIndex(target[0], outputSize) ? null : NotAClassIndex(target[0], outputSize);

    /// <inheritdoc/>
    public override float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
    {
        if (FromLogits) return ComputeFromLogits(prediction, target, gradient, batch, outputSize);
        Validate(prediction, target, gradient, batch, outputSize);
        double sum = 0;
        for (int b = 0; b < batch; b++)
        {
            int k = ClassIndex(target, b, outputSize);
            int o = b * outputSize;
            sum += CategoricalCrossEntropy.ProbabilityRow(prediction.Slice(o, outputSize), default, k, gradient.Slice(o, outputSize), batch);
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
            int k = ClassIndex(target, b, outputSize);
            int o = b * outputSize;
            sum += CategoricalCrossEntropy.LogitRow(logits.Slice(o, outputSize), default, k, gradient.Slice(o, outputSize), batch);
        }
        return (float)(sum / batch);
    }
}
