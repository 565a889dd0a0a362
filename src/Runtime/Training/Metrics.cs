using System;

namespace Unroll;

/// <summary>Classification figures beyond accuracy; the per-class ones are on <see cref="ConfusionMatrix"/>.</summary>
public static class Metrics
{
    /// <summary>
    /// Fraction of <paramref name="data"/>'s samples whose label is among the network's <paramref name="k"/> highest
    /// outputs (ties broken towards the lower class index, so the figure never depends on the order of equal scores).
    /// </summary>
    /// <exception cref="ArgumentException">The data set has no labels.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not in [1, number of outputs].</exception>
    public static float TopKAccuracy<TNetwork>(TNetwork network, Dataset data, int k) where TNetwork : INetwork<TNetwork>
    {
        ArgumentNullException.ThrowIfNull(data);
        var labels = data.Labels ?? throw new ArgumentException("The data set has no class labels, so it has no top-k accuracy.", nameof(data));
        var outputSize = TNetwork.OutputSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, outputSize);
        var outputs = new float[data.Count * outputSize];
        network.Predict(data.Features, outputs);
        var hits = 0;
        for (var i = 0; i < data.Count; i++)
        {
            var row = outputs.AsSpan(i * outputSize, outputSize);
            var label = labels[i];
            var above = 0; // classes ranked before the label: a higher score, or an equal one at a lower index
            for (var c = 0; c < outputSize && above < k; c++)
                if (row[c] > row[label] || (row[c] == row[label] && c < label)) above++;
            if (above < k) hits++;
        }
        return (float)((double)hits / data.Count);
    }
}
