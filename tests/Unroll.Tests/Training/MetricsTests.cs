using System;
using System.Linq;
using Unroll.Models;
using Xunit;

namespace Unroll.Tests.Training;

[Collection(nameof(NoAllocation))]
public sealed class MetricsTests
{
    [Fact]
    public void The_confusion_matrix_counts_pairs_and_gives_precision_recall_and_f1()
    {
        int[] actual = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0];
        int[] predicted = [0, 1, 0, 1, 0, 2, 2, 1, 2, 0];
        var m = new ConfusionMatrix(4, actual, predicted);
        Assert.Equal((3, 1, 0), (m[0, 0], m[0, 1], m[0, 2]));
        Assert.Equal((1, 1), (m[1, 0], m[1, 1]));
        Assert.Equal((1, 3), (m[2, 1], m[2, 2]));
        Assert.Equal(0.7f, m.Accuracy);
        Assert.Equal(3f / 4, m.Precision(0));       // predicted 0: samples 0, 2, 4, 9; sample 4 is a 1
        Assert.Equal(3f / 4, m.Recall(0));
        Assert.Equal(1f / 3, m.Precision(1));
        Assert.Equal(1f / 2, m.Recall(1));
        Assert.Equal((float)(2.0 / 5), m.F1(1));    // 2·1 / (2 + 3)
        Assert.Equal((0f, 0f, 0f), (m.Precision(3), m.Recall(3), m.F1(3))); // class 3 neither present nor predicted
        Assert.Equal((float)((0.75 + 0.4 + 6.0 / 7 + 0) / 4), m.MacroF1, 6);
        Assert.Contains("accuracy 0.7000", m.ToString());

        var e = Assert.Throws<ArgumentException>(() => new ConfusionMatrix(3, [0, 3], [0, 0]));
        Assert.Contains("Sample 1's true class 3", e.Message);
        Assert.Throws<ArgumentException>(() => new ConfusionMatrix(3, [0], [0, 1]));
    }

    private static Dataset RandomImages(int count, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * FashionMlp.InputSize];
        for (var i = 0; i < features.Length; i++) features[i] = (float)random.NextDouble();
        var labels = Enumerable.Range(0, count).Select(i => random.Next(10)).ToArray();
        return Dataset.ForClassification(features, FashionMlp.InputSize, labels, 10);
    }

    [Fact]
    public void Predicting_classes_for_a_batch_matches_one_at_a_time_and_allocates_nothing()
    {
        var net = new FashionMlp(capacity: 8, seed: 3);
        var data = RandomImages(21, seed: 1); // more than the capacity, not a multiple of it
        var classes = new int[data.Count];
        net.PredictClasses(data.Features, classes);
        Assert.Equal(Enumerable.Range(0, data.Count).Select(i => net.PredictClass(data.Sample(i))), classes);
        Assert.True(classes.Distinct().Count() > 1, "a random network should not predict one class for every image");
        NoAllocation.Assert(() => net.PredictClasses(data.Features, classes));

        var e = Assert.Throws<ArgumentException>(() => net.PredictClasses(data.Features, new int[3]));
        Assert.Contains("21 samples give 21 classes", e.Message);
    }

    [Fact]
    public void The_confusion_matrix_and_top_k_agree_with_evaluate()
    {
        var net = new FashionMlp(capacity: 16, seed: 3);
        var data = RandomImages(40, seed: 2);
        var evaluation = new Trainer<FashionMlp>(net, new SparseCategoricalCrossEntropy(), new Adam()).Evaluate(data);
        var matrix = ConfusionMatrix.Of(net, data);
        Assert.Equal(evaluation.Accuracy, matrix.Accuracy);
        Assert.Equal(evaluation.Accuracy, Metrics.TopKAccuracy(net, data, 1));
        Assert.True(Metrics.TopKAccuracy(net, data, 5) >= Metrics.TopKAccuracy(net, data, 2));
        Assert.Equal(1f, Metrics.TopKAccuracy(net, data, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Metrics.TopKAccuracy(net, data, 11));
    }
}
