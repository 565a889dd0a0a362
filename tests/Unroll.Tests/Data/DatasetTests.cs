using System;
using Xunit;

namespace Unroll.Tests.Data;

public sealed class DatasetTests
{
    [Fact]
    public void Classification_targets_are_indices_or_one_hot()
    {
        var features = new float[] { 1, 2, 3, 4, 5, 6 };
        var sparse = Dataset.ForClassification(features, 2, [2, 0, 1], classes: 3);
        var oneHot = Dataset.ForClassification(features, 2, [2, 0, 1], classes: 3, oneHot: true);

        Assert.Equal(3, sparse.Count);
        Assert.Equal(1, sparse.TargetSize);
        Assert.Equal([2f, 0f, 1f], sparse.Targets);
        Assert.Equal(3, oneHot.TargetSize);
        Assert.Equal([0f, 0f, 1f, 1f, 0f, 0f, 0f, 1f, 0f], oneHot.Targets);
        Assert.Equal([5f, 6f], sparse.Sample(2).ToArray());
    }

    [Fact]
    public void NaN_feature_names_the_sample()
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset([1, 2, 3, float.NaN], 2, [0, 1], 1));
        Assert.Contains("Sample 1 has a non-finite feature value (NaN) at position 1", e.Message);
    }

    [Fact]
    public void Label_outside_the_classes_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Dataset.ForClassification([1, 2], 1, [0, 3], classes: 3));
        Assert.Contains("Label 3 of sample 1 is outside the 3 classes", e.Message);
    }

    [Fact]
    public void Mismatched_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Dataset([1, 2, 3], 2, [0], 1));
        var e = Assert.Throws<ArgumentException>(() => new Dataset([1, 2, 3, 4], 2, [0], 1));
        Assert.Contains("2 samples need 2 target values (1 each) but 1 were given", e.Message);
    }

    [Fact]
    public void Take_copies_the_first_samples()
    {
        var set = Dataset.ForClassification([1, 2, 3, 4, 5, 6], 2, [2, 0, 1], classes: 3);
        var first = set.Take(2);
        first.Features[0] = 99;
        Assert.Equal(2, first.Count);
        Assert.Equal([2, 0], first.Labels!);
        Assert.Equal(1, set.Features[0]);
    }
}
