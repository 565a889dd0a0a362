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

    [Theory]
    [InlineData(10)]
    [InlineData(-1)]
    public void Plain_constructor_rejects_labels_outside_the_target_columns(int bad)
    {
        // Ten one-hot columns: labels must be in [0, 9]. The bad one sits at index 40.
        var labels = new int[50];
        labels[40] = bad;
        var e = Assert.Throws<ArgumentException>(() => new Dataset(new float[50 * 2], 2, new float[50 * 10], 10, labels));
        Assert.Equal("labels", e.ParamName);
        Assert.Contains($"Label {bad} of sample 40 is outside the 10 classes [0, 9] that targets of 10 values per sample describe.", e.Message);
    }

    [Fact]
    public void Plain_constructor_rejects_negative_labels_with_single_value_targets()
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset([1, 2, 3], 1, [0, 1, 0], 1, [0, 1, -1]));
        Assert.Contains("Label -1 of sample 2 is negative", e.Message);
        Assert.Equal([0, 1, 1], new Dataset([1, 2, 3], 1, [0, 1, 1], 1, [0, 1, 1]).Labels!);
    }

    [Fact]
    public void Infinite_target_names_the_sample_and_position()
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset([1, 2, 3], 1, [0, 0, 0, 0, 0, float.NegativeInfinity], 2));
        Assert.Contains("Sample 2 has a non-finite target value (-Infinity) at position 1", e.Message);
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
