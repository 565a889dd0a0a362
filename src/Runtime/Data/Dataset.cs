using System;

namespace Unroll;

/// <summary>
/// Samples and their targets in memory, row-major: <see cref="Features"/> is [count, sample size] and
/// <see cref="Targets"/> is [count, target size]. Classification sets also keep their integer <see cref="Labels"/>,
/// which accuracy is measured against.
/// </summary>
public sealed class Dataset
{
    /// <summary>
    /// A data set of samples and float targets (regression, autoencoders, one-hot or soft targets).
    /// Rejects mismatched lengths and non-finite values, naming the first bad sample. <paramref name="labels"/>, when
    /// given, are the classes accuracy is measured against: with targets of several values per sample (one-hot or soft
    /// rows) each must be a column of the target, in [0, <paramref name="targetSize"/>); with one target value per sample
    /// (a class index or a binary target) each must be non-negative, and the trainer checks the upper bound against the
    /// classes the network can predict.
    /// </summary>
    public Dataset(float[] features, int sampleSize, float[] targets, int targetSize, int[]? labels = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetSize, 1);
        if (features.Length % sampleSize != 0)
            throw new ArgumentException($"Features hold {features.Length} values, not a whole number of samples of {sampleSize}.", nameof(features));
        var count = features.Length / sampleSize;
        if (targets.Length != count * targetSize)
            throw new ArgumentException($"{count} samples need {count * targetSize} target values ({targetSize} each) but {targets.Length} were given.", nameof(targets));
        if (labels is not null && labels.Length != count)
            throw new ArgumentException($"{count} samples need {count} labels but {labels.Length} were given.", nameof(labels));
        RequireFinite(features, sampleSize, "feature");
        RequireFinite(targets, targetSize, "target");
        if (labels is not null) RequireLabelsInRange(labels, targetSize);

        Features = features;
        Targets = targets;
        Labels = labels;
        SampleSize = sampleSize;
        TargetSize = targetSize;
        Count = count;
    }

    /// <summary>
    /// A classification data set. Targets are the class indices themselves (one value per sample, for
    /// <c>SparseCategoricalCrossEntropy</c>) or, with <paramref name="oneHot"/>, one-hot rows of <paramref name="classes"/> values.
    /// </summary>
    public static Dataset ForClassification(float[] features, int sampleSize, int[] labels, int classes, bool oneHot = false)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        for (var i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException($"Label {labels[i]} of sample {i} is outside the {classes} classes [0, {classes - 1}].", nameof(labels));

        float[] targets;
        if (oneHot)
        {
            targets = new float[labels.Length * classes];
            for (var i = 0; i < labels.Length; i++) targets[i * classes + labels[i]] = 1f;
        }
        else
        {
            targets = new float[labels.Length];
            for (var i = 0; i < labels.Length; i++) targets[i] = labels[i];
        }
        return new Dataset(features, sampleSize, targets, oneHot ? classes : 1, labels) { ClassCount = classes };
    }

    /// <summary>
    /// This data set as one whose targets are its own samples, to train a network to reconstruct its input (an
    /// autoencoder) with <see cref="MeanSquaredError"/> or, for values in [0, 1], <see cref="BinaryCrossEntropy"/>.
    /// Nothing is copied: <see cref="Targets"/> is the same array as <see cref="Features"/>, so a change to one is a change
    /// to the other. Labels and the class count are dropped (accuracy means nothing for a reconstruction), so training
    /// reports accuracy as NaN. On a set that already is one, returns it.
    /// </summary>
    /// <example><code>
    /// var (train, test) = FashionMnist.Load();                     // pixels in [0, 1]
    /// var trainer = new Trainer&lt;FashionAutoencoder&gt;(net, new BinaryCrossEntropy(), new Adam());
    /// trainer.Fit(train.AsAutoencoder(), new FitOptions { Epochs = 5 });
    /// var error = new Trainer&lt;FashionAutoencoder&gt;(net, new MeanSquaredError(), new Adam()).Evaluate(test.AsAutoencoder()).Loss;
    /// </code></example>
    /// <remarks>
    /// The trainer needs the network's output to have as many values as its input (784 in, 784 out for Fashion-MNIST);
    /// its error says so when the sizes differ. Binary cross-entropy rejects a sample with a value outside [0, 1], naming it.
    /// </remarks>
    public Dataset AsAutoencoder() =>
        IsAutoencoder ? this : new Dataset(Features, SampleSize, Count) { IsAutoencoder = true };

    /// <summary>
    /// Whether the targets are the samples themselves (<see cref="AsAutoencoder"/>): <see cref="Targets"/> is
    /// <see cref="Features"/> and <see cref="TargetSize"/> is <see cref="SampleSize"/>.
    /// </summary>
    public bool IsAutoencoder { get; private init; }

    // An autoencoder view of features that a constructor has already checked: targets are the same array.
    private Dataset(float[] features, int sampleSize, int count)
    {
        Features = features;
        Targets = features;
        SampleSize = sampleSize;
        TargetSize = sampleSize;
        Count = count;
    }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Values per sample.</summary>
    public int SampleSize { get; }

    /// <summary>Target values per sample.</summary>
    public int TargetSize { get; }

    /// <summary>All samples, [count, sample size].</summary>
    public float[] Features { get; }

    /// <summary>All targets, [count, target size].</summary>
    public float[] Targets { get; }

    /// <summary>Integer class of each sample, for classification sets; null otherwise.</summary>
    public int[]? Labels { get; }

    /// <summary>Number of classes, for classification sets; 0 otherwise.</summary>
    public int ClassCount { get; private init; }

    /// <summary>The features of one sample.</summary>
    public ReadOnlySpan<float> Sample(int index) => Features.AsSpan(index * SampleSize, SampleSize);

    /// <summary>The target of one sample.</summary>
    public ReadOnlySpan<float> Target(int index) => Targets.AsSpan(index * TargetSize, TargetSize);

    /// <summary>
    /// The first <paramref name="count"/> samples, as a new data set sharing nothing with this one (an autoencoder set
    /// stays one, its targets still its features).
    /// </summary>
    public Dataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        if (IsAutoencoder) return new Dataset(Features[..(count * SampleSize)], SampleSize, count) { IsAutoencoder = true };
        return new Dataset(Features[..(count * SampleSize)], SampleSize, Targets[..(count * TargetSize)], TargetSize, Labels?[..count])
        {
            ClassCount = ClassCount,
        };
    }

    /// <summary>
    /// Splits the samples in a random order fixed by <paramref name="seed"/>: the first set gets
    /// round(<paramref name="fraction"/> × Count) of them, the second the rest (for example a training and a validation
    /// set: <c>var (train, validation) = data.Split(0.9, seed: 1)</c>). Each keeps the samples' original relative order;
    /// neither shares arrays with this set, and the same seed gives the same split.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is not strictly between 0 and 1, or leaves a set empty.</exception>
    public (Dataset First, Dataset Second) Split(double fraction, int seed)
    {
        if (!(fraction > 0 && fraction < 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The fraction of samples in the first set must be strictly between 0 and 1.");
        int first = (int)Math.Round(fraction * Count, MidpointRounding.AwayFromZero);
        if (first < 1 || first >= Count)
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction,
                $"A split of {Count} samples at {fraction} gives {first} and {Count - first}: both sets need at least one sample.");
        var order = new int[Count];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        new Random(seed).Shuffle(order);
        Array.Sort(order, 0, first);
        Array.Sort(order, first, Count - first);
        return (Select(order.AsSpan(0, first)), Select(order.AsSpan(first)));
    }

    /// <summary>The given samples, in the given order, as a new data set sharing nothing with this one.</summary>
    private Dataset Select(ReadOnlySpan<int> indices)
    {
        var features = new float[indices.Length * SampleSize];
        for (var i = 0; i < indices.Length; i++) Sample(indices[i]).CopyTo(features.AsSpan(i * SampleSize));
        if (IsAutoencoder) return new Dataset(features, SampleSize, indices.Length) { IsAutoencoder = true };
        var targets = new float[indices.Length * TargetSize];
        for (var i = 0; i < indices.Length; i++) Target(indices[i]).CopyTo(targets.AsSpan(i * TargetSize));
        int[]? labels = null;
        if (Labels is { } all)
        {
            labels = new int[indices.Length];
            for (var i = 0; i < indices.Length; i++) labels[i] = all[indices[i]];
        }
        return new Dataset(features, SampleSize, targets, TargetSize, labels) { ClassCount = ClassCount };
    }

    private static void RequireFinite(float[] values, int rowSize, string what)
    {
        var i = FiniteValues.IndexOfNonFinite(values);
        if (i >= 0)
            throw new ArgumentException($"Sample {i / rowSize} has a non-finite {what} value ({values[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}) at position {i % rowSize}.");
    }

    private static void RequireLabelsInRange(int[] labels, int targetSize)
    {
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (targetSize > 1 && (uint)label >= (uint)targetSize)
                throw new ArgumentException(
                    $"Label {label} of sample {i} is outside the {targetSize} classes [0, {targetSize - 1}] that targets of {targetSize} values per sample describe.", nameof(labels));
            if (label < 0)
                throw new ArgumentException($"Label {label} of sample {i} is negative; class labels are in [0, number of classes − 1].", nameof(labels));
        }
    }
}
