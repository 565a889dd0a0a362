using System;
using System.Globalization;
using System.Text;

namespace Unroll;

/// <summary>
/// Counts of (true class, predicted class) over a labelled data set, with the figures read from them: accuracy, and per
/// class precision, recall and F1 (0 where a class was never predicted or never present, as scikit-learn's
/// <c>zero_division=0</c>).
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly int[] _counts; // [actual, predicted]

    /// <summary>Counts the pairs of <paramref name="actual"/> and <paramref name="predicted"/> classes, each in [0, <paramref name="classes"/>).</summary>
    /// <exception cref="ArgumentException">The spans differ in length, or a class is outside [0, classes); the message names the sample.</exception>
    public ConfusionMatrix(int classes, ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (actual.Length != predicted.Length)
            throw new ArgumentException($"{actual.Length} true classes but {predicted.Length} predictions.", nameof(predicted));
        Classes = classes;
        _counts = new int[classes * classes];
        for (var i = 0; i < actual.Length; i++)
        {
            if ((uint)actual[i] >= (uint)classes)
                throw new ArgumentException($"Sample {i}'s true class {actual[i]} is outside [0, {classes - 1}].", nameof(actual));
            if ((uint)predicted[i] >= (uint)classes)
                throw new ArgumentException($"Sample {i}'s predicted class {predicted[i]} is outside [0, {classes - 1}].", nameof(predicted));
            _counts[actual[i] * classes + predicted[i]]++;
        }
        Count = actual.Length;
    }

    /// <summary>The confusion matrix of <paramref name="network"/>'s predictions on <paramref name="data"/>, which must have labels.</summary>
    public static ConfusionMatrix Of<TNetwork>(TNetwork network, Dataset data) where TNetwork : INetwork<TNetwork>
    {
        ArgumentNullException.ThrowIfNull(data);
        var labels = data.Labels ?? throw new ArgumentException("The data set has no class labels, so there is nothing to compare predictions with.", nameof(data));
        var predicted = new int[data.Count];
        network.PredictClasses(data.Features, predicted);
        return new ConfusionMatrix(Math.Max(2, TNetwork.OutputSize), labels, predicted);
    }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Samples counted.</summary>
    public int Count { get; }

    /// <summary>Samples of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted] => _counts[actual * Classes + predicted];

    /// <summary>Fraction of samples predicted correctly.</summary>
    public float Accuracy
    {
        get
        {
            long correct = 0;
            for (var c = 0; c < Classes; c++) correct += this[c, c];
            return Count == 0 ? 0f : (float)((double)correct / Count);
        }
    }

    /// <summary>Of the samples predicted as class <paramref name="c"/>, the fraction that are.</summary>
    public float Precision(int c) => Ratio(this[c, c], Column(c));

    /// <summary>Of the samples of class <paramref name="c"/>, the fraction predicted so.</summary>
    public float Recall(int c) => Ratio(this[c, c], Row(c));

    /// <summary>The harmonic mean of <see cref="Precision"/> and <see cref="Recall"/> of class <paramref name="c"/>.</summary>
    public float F1(int c) => Ratio(2 * this[c, c], Row(c) + Column(c));

    /// <summary>The unweighted mean of the classes' F1 scores.</summary>
    public float MacroF1
    {
        get
        {
            double sum = 0;
            for (var c = 0; c < Classes; c++) sum += F1(c);
            return (float)(sum / Classes);
        }
    }

    private int Row(int c)
    {
        var sum = 0;
        for (var p = 0; p < Classes; p++) sum += this[c, p];
        return sum;
    }

    private int Column(int c)
    {
        var sum = 0;
        for (var a = 0; a < Classes; a++) sum += this[a, c];
        return sum;
    }

    private static float Ratio(int numerator, int denominator) => denominator == 0 ? 0f : (float)((double)numerator / denominator);

    /// <summary>The matrix (rows: true class, columns: predicted) with each class's precision, recall and F1, as text.</summary>
    public string ToString(string[]? classNames)
    {
        if (classNames is not null && classNames.Length != Classes)
            throw new ArgumentException($"{classNames.Length} class names for {Classes} classes.", nameof(classNames));
        string Name(int c) => classNames?[c] ?? c.ToString(CultureInfo.InvariantCulture);
        const string corner = "true \\ predicted";
        var labelWidth = corner.Length;
        for (var c = 0; c < Classes; c++) labelWidth = Math.Max(labelWidth, Name(c).Length);
        labelWidth += 2;
        var text = new StringBuilder(corner.PadRight(labelWidth));
        for (var c = 0; c < Classes; c++) text.Append(c.ToString(CultureInfo.InvariantCulture).PadLeft(6));
        text.AppendLine("  precision  recall      f1");
        for (var a = 0; a < Classes; a++)
        {
            text.Append($"{a} {Name(a)}".PadRight(labelWidth));
            for (var p = 0; p < Classes; p++) text.Append(this[a, p].ToString(CultureInfo.InvariantCulture).PadLeft(6));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {Precision(a),9:F4}  {Recall(a),6:F4}  {F1(a),6:F4}"));
        }
        text.Append(string.Create(CultureInfo.InvariantCulture, $"accuracy {Accuracy:F4}, macro F1 {MacroF1:F4}, {Count} samples"));
        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => ToString(null);
}
