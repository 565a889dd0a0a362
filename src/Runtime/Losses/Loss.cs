using System;
using System.Diagnostics.CodeAnalysis;

namespace Unroll;

/// <summary>
/// A training objective: the mean loss over a batch and its gradient with respect to the network's output.
/// Predictions, targets and gradients are row-major <c>[batch, size]</c> host spans of exactly <c>batch × size</c>
/// values (slice a network's capacity-sized buffers to the batch first). Losses are stateless and allocate nothing;
/// the instances in <see cref="Losses"/> can be shared.
/// </summary>
/// <remarks>
/// Reductions follow Keras and PyTorch: element-wise losses (squared, absolute, logarithmic, hinge, binary cross-entropy)
/// average over all <c>batch × size</c> values; categorical cross-entropy, sparse categorical cross-entropy and
/// Kullback–Leibler divergence sum over a sample's features and average over the batch. Probability losses clip their
/// inputs to [ε, 1 − ε] like Keras (ε = 1e-7), and the clipped values get zero gradient, as the clip's derivative is zero.
/// Sums are accumulated in double precision.
/// <para>
/// The cross-entropies take probabilities by default, so the network must end in the activation named by
/// <see cref="FusesWith"/>; <see cref="Trainer{TNetwork}"/> then computes them from that activation's input in the fused,
/// numerically stable form. A network that ends without it (raw scores, "logits") needs a loss created with
/// <see cref="FromLogits"/> (Keras's <c>from_logits=True</c>), which applies the activation itself.
/// </para>
/// <example>
/// <code>
/// var loss = Losses.CategoricalCrossEntropy;
/// float value = loss.FusesWith == network.OutputActivation
///     ? loss.ComputeFromLogits(logits, targets, gradient, batch, 10)   // stable softmax + cross-entropy
///     : loss.Compute(outputs, targets, gradient, batch, 10);
///
/// // A network that ends in Dense(10) without Softmax:
/// var fromLogits = new CategoricalCrossEntropy(fromLogits: true);
/// float same = fromLogits.Compute(logits, targets, gradient, batch, 10);  // softmax applied inside, same fused gradient
/// </code>
/// </example>
/// </remarks>
public abstract class Loss
{
    private readonly bool _fromLogits;

    /// <summary>Keras's ε for clipping probabilities (<c>keras.config.epsilon()</c>).</summary>
    public const float Epsilon = 1e-7f;

    /// <summary>
    /// Whether <see cref="Compute"/> receives logits (the input of <see cref="FusesWith"/>) rather than probabilities,
    /// as Keras's <c>from_logits</c>: the loss then applies softmax or sigmoid itself, in the numerically stable fused form
    /// of <see cref="ComputeFromLogits"/>, and the gradient it writes is dLoss/dLogits. False by default. Only losses with
    /// a fused form (<see cref="FusesWith"/> not null) can take logits; the cross-entropies also take it as a constructor
    /// parameter, <c>new CategoricalCrossEntropy(fromLogits: true)</c>.
    /// </summary>
    /// <exception cref="NotSupportedException">Set to true on a loss without a fused form.</exception>
    public bool FromLogits
    {
        get => _fromLogits;
        init
        {
            if (value && FusesWith is null)
                throw new NotSupportedException(
                    $"Loss '{Name}' cannot take logits: it has no softmax or sigmoid form (FusesWith is null), so it reads the network's output as it is.");
            _fromLogits = value;
        }
    }

    /// <summary>Keras's name for the loss, e.g. <c>categorical_crossentropy</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Values per sample in the target: <paramref name="outputSize"/>, or 1 for losses that take a class index.</summary>
    public virtual int TargetSize(int outputSize) => outputSize;

    /// <summary>
    /// The mean loss over the batch; writes dLoss/dPrediction into <paramref name="gradient"/> (same layout as
    /// <paramref name="prediction"/>, <c>[batch, outputSize]</c>). With <see cref="FromLogits"/>, the predictions are
    /// logits and this is <see cref="ComputeFromLogits"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> or <paramref name="outputSize"/> is not positive.</exception>
    /// <exception cref="ArgumentException">A span's length is not batch × its per-sample size, or a target is invalid for this loss.</exception>
    public abstract float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize);

    /// <summary>The final activation this loss can absorb (<see cref="Activation.Softmax"/> or <see cref="Activation.Sigmoid"/>), or null.</summary>
    public virtual Activation? FusesWith => null;

    /// <summary>
    /// The final activation whose output this loss reads as probabilities, unless it takes <see cref="FromLogits"/>: the
    /// trainer refuses a network that ends in anything else. <see cref="FusesWith"/> for the cross-entropies, Softmax for
    /// the Kullback–Leibler divergence (which compares distributions), null for losses that take any output.
    /// </summary>
    public virtual Activation? ReadsProbabilitiesFrom => FusesWith;

    /// <summary>
    /// The same loss computed from the input of <see cref="FusesWith"/> (the logits) in a numerically stable fused form;
    /// writes dLoss/dLogits into <paramref name="gradient"/>. Finite for any finite logits.
    /// </summary>
    /// <exception cref="NotSupportedException">The loss has no fused form (<see cref="FusesWith"/> is null).</exception>
    public virtual float ComputeFromLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
        => throw new NotSupportedException($"Loss '{Name}' has no fused form (FusesWith is null); call Compute on the activation's output instead.");

    /// <inheritdoc/>
    public override string ToString() => Name;

    /// <summary>Checks the sizes every loss shares; throws an exception that names the span and the numbers.</summary>
    protected void Validate(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize, string predictionName = "prediction")
    {
        if (batch <= 0) ThrowNotPositive(nameof(batch), batch);
        if (outputSize <= 0) ThrowNotPositive(nameof(outputSize), outputSize);
        long expected = (long)batch * outputSize;
        if (prediction.Length != expected) ThrowLength(predictionName, prediction.Length, batch, "outputSize", outputSize);
        if (gradient.Length != expected) ThrowLength("gradient", gradient.Length, batch, "outputSize", outputSize);
        int targetSize = TargetSize(outputSize);
        if (target.Length != (long)batch * targetSize) ThrowLength("target", target.Length, batch, targetSize == outputSize ? "outputSize" : "target size", targetSize);
    }

    [DoesNotReturn]
    private void ThrowNotPositive(string name, int value)
        => throw new ArgumentOutOfRangeException(name, value, $"Loss '{Name}': {name} must be positive, but is {value}.");

    [DoesNotReturn]
    private void ThrowLength(string span, int length, int batch, string sizeName, int size)
        => throw new ArgumentException(
            $"Loss '{Name}': {span} holds {length} values, but batch × {sizeName} = {batch} × {size} = {(long)batch * size}. " +
            "Slice buffers to the batch before computing the loss.", span);

    /// <summary>
    /// Checks one sample's target (<see cref="TargetSize"/> values) for this loss: null when it is valid, otherwise what is
    /// wrong with it, worded to follow "the target of sample N", e.g. <c>is 10, which is not a class index: expected an
    /// integer in [0, 10)</c>. <see cref="Compute"/> checks the same and names the sample's row in the batch; the trainer
    /// calls this per sample so that its error names the sample's index in the data set. Allocates nothing for a valid target.
    /// </summary>
    public virtual string? DescribeInvalidTarget(ReadOnlySpan<float> target, int outputSize) => null;

    /// <summary>Reads sample <paramref name="sample"/>'s class index from a sparse target, checking that it is an integer in [0, <paramref name="outputSize"/>).</summary>
    protected int ClassIndex(ReadOnlySpan<float> target, int sample, int outputSize)
    {
        float t = target[sample];
        if (!IsClassIndex(t, outputSize)) ThrowClassIndex(sample, t, outputSize);
        return (int)t;
    }

    /// <summary>Whether <paramref name="value"/> is an integer in [0, <paramref name="outputSize"/>).</summary>
    protected static bool IsClassIndex(float value, int outputSize)
        // NaN fails both comparisons.
        => value >= 0 && value < outputSize && value == MathF.Floor(value);

    /// <summary>Why <paramref name="value"/> is not a class index, worded to follow "the target of sample N".</summary>
    protected static string NotAClassIndex(float value, int outputSize)
        => $"is {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}, which is not a class index: expected an integer in [0, {outputSize})";

    [DoesNotReturn]
    private void ThrowClassIndex(int sample, float value, int outputSize)
        => throw new ArgumentException($"Loss '{Name}': the target of sample {sample} {NotAClassIndex(value, outputSize)}.", "target");

    /// <summary>σ(z), without overflow for any z.</summary>
    internal static double Sigmoid(double z)
    {
        if (z >= 0) return 1.0 / (1.0 + Math.Exp(-z));
        double e = Math.Exp(z);
        return e / (1.0 + e);
    }
}
