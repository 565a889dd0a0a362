using System;
using Unroll.Models;
using Xunit;

namespace Unroll.Tests.Training;

[Collection(nameof(NoAllocation))]
public sealed class TrainerTests
{
    internal static Dataset RandomClassification(int count, int seed)
    {
        // Two Gaussian blobs: label 1 when x0 + x1 > 0.
        var random = new Random(seed);
        var features = new float[count * 2];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            features[2 * i] = (float)(random.NextDouble() * 2 - 1);
            features[2 * i + 1] = (float)(random.NextDouble() * 2 - 1);
            labels[i] = features[2 * i] + features[2 * i + 1] > 0 ? 1 : 0;
        }
        return new Dataset(features, 2, Array.ConvertAll(labels, l => (float)l), 1, labels);
    }

    [Fact]
    public void Learns_a_linearly_separable_problem_with_the_fused_binary_loss()
    {
        var data = RandomClassification(512, seed: 1);
        var trainer = new Trainer<BinaryNet>(new BinaryNet(capacity: 32, seed: 1), new BinaryCrossEntropy(), new Adam(0.01f));
        Assert.True(trainer.UsesFusedLoss);

        var history = trainer.Fit(data, new FitOptions { Epochs = 20, BatchSize = 32 });

        Assert.True(history[^1].Loss < history[0].Loss / 2, $"loss went from {history[0].Loss} to {history[^1].Loss}");
        Assert.True(trainer.Evaluate(RandomClassification(256, seed: 2)).Accuracy > 0.95f);
    }

    [Fact]
    public void A_batch_larger_than_the_capacity_takes_the_same_step_as_one_large_batch()
    {
        var data = RandomClassification(40, seed: 3);
        var samples = new int[40];
        for (var i = 0; i < samples.Length; i++) samples[i] = i;

        var whole = new Trainer<BinaryNet>(new BinaryNet(capacity: 40, seed: 5), new BinaryCrossEntropy(), new Sgd(0.5f));
        var chunked = new Trainer<BinaryNet>(new BinaryNet(capacity: 16, seed: 5), new BinaryCrossEntropy(), new Sgd(0.5f));
        var (wholeLoss, wholeCorrect) = whole.TrainStep(data, samples);
        var (chunkedLoss, chunkedCorrect) = chunked.TrainStep(data, samples);

        Assert.Equal(wholeLoss, chunkedLoss, 5);
        Assert.Equal(wholeCorrect, chunkedCorrect);
        for (var p = 0; p < whole.Network.Parameters.Count; p++)
        {
            var expected = whole.Network.Parameters[p].Value.Span.ToArray();
            var actual = chunked.Network.Parameters[p].Value.Span.ToArray();
            for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        }
    }

    [Fact]
    public void Full_batch_gradient_descent_reduces_the_loss_every_step()
    {
        var data = RandomClassification(100, seed: 4);
        var trainer = new Trainer<BinaryNet>(new BinaryNet(capacity: 32, seed: 2), new BinaryCrossEntropy(), new Sgd(0.5f));
        var losses = new float[10];
        trainer.Fit(data, new FitOptions { Epochs = 10, BatchSize = 0, OnEpoch = r => losses[r.Epoch - 1] = r.Loss });
        for (var i = 1; i < losses.Length; i++) Assert.True(losses[i] < losses[i - 1], $"step {i}: {losses[i - 1]} → {losses[i]}");
    }

    [Fact]
    public void A_training_step_allocates_nothing()
    {
        var test = FashionMnist.LoadSet(FashionMnist.DefaultDirectory, "t10k", 10_000);
        var trainer = new Trainer<LeNet5>(new LeNet5(capacity: 16, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());
        var samples = new int[16];
        for (var i = 0; i < samples.Length; i++) samples[i] = i;

        NoAllocation.Assert(() => trainer.TrainStep(test, samples));
    }

    [Fact]
    public void Fashion_mlp_learns_real_data_in_one_short_epoch()
    {
        var (train, test) = FashionMnist.Load();
        var trainer = new Trainer<FashionMlp>(new FashionMlp(capacity: 64, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());

        trainer.Fit(train.Take(12_000), new FitOptions { Epochs = 1, BatchSize = 64 });

        // An untrained network is right 10% of the time; one pass over a fifth of the data gets well past 75%.
        Assert.True(trainer.Evaluate(test).Accuracy > 0.75f);
    }

    [Fact]
    public void Predict_matches_the_forward_pass_and_handles_more_samples_than_the_capacity()
    {
        var net = new SmoothNet(capacity: 2, seed: 9);
        var inputs = new float[5 * SmoothNet.InputSize];
        var random = new Random(1);
        for (var i = 0; i < inputs.Length; i++) inputs[i] = (float)random.NextDouble();

        var outputs = new float[5 * SmoothNet.OutputSize];
        net.Predict(inputs, outputs);

        var single = new float[SmoothNet.OutputSize];
        for (var s = 0; s < 5; s++)
        {
            net.Predict(inputs.AsSpan(s * SmoothNet.InputSize, SmoothNet.InputSize), single);
            Assert.Equal(single, outputs.AsSpan(s * SmoothNet.OutputSize, SmoothNet.OutputSize).ToArray());
            Assert.Equal(1f, single[0] + single[1] + single[2], 5);
        }
    }

    [Fact]
    public void Mismatched_data_is_rejected_with_a_message_that_names_the_sizes()
    {
        var trainer = new Trainer<FashionMlp>(new FashionMlp(capacity: 4), new SparseCategoricalCrossEntropy(), new Adam());
        var wrongSize = Dataset.ForClassification(new float[10 * 100], 100, new int[10], 10);
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(wrongSize));
        Assert.Contains("FashionMlp takes 784 values per sample ((784)) but the data set's samples have 100", e.Message);

        var oneHot = Dataset.ForClassification(new float[10 * 784], 784, new int[10], 10, oneHot: true);
        e = Assert.Throws<ArgumentException>(() => trainer.Fit(oneHot));
        Assert.Contains("needs 1 target value(s) per sample", e.Message);
    }

    [Fact]
    public void A_diverging_loss_stops_training_with_a_clear_error()
    {
        var random = new Random(6);
        var features = new float[64 * 4];
        for (var i = 0; i < features.Length; i++) features[i] = (float)random.NextDouble();
        var data = new Dataset(features, 4, new float[64 * 2], 2);
        var trainer = new Trainer<RegressionNet>(new RegressionNet(capacity: 16, seed: 1), new MeanSquaredError(), new Sgd(1e30f));

        var e = Assert.Throws<InvalidOperationException>(() => trainer.Fit(data, new FitOptions { Epochs = 5, BatchSize = 16 }));

        Assert.Contains("The loss became", e.Message);
        Assert.Contains("Lower the learning rate", e.Message);
    }

    [Fact]
    public void Auxiliary_heads_are_trained_with_their_loss_weight()
    {
        // AuxiliaryOutputNet: a shared trunk (dense_1), an auxiliary softmax head of 3 classes (dense_2, weight 0.4)
        // and a main head of 4 (dense_3, dense_4). Labels stay below 3 so both heads can take them.
        var random = new Random(8);
        var features = new float[64 * 6];
        for (var i = 0; i < features.Length; i++) features[i] = (float)(random.NextDouble() * 2 - 1);
        var labels = new int[64];
        for (var i = 0; i < labels.Length; i++) labels[i] = features[6 * i] > 0.3f ? 2 : features[6 * i] > -0.3f ? 1 : 0;
        var data = Dataset.ForClassification(features, 6, labels, classes: 4);
        var samples = new int[16];
        for (var i = 0; i < samples.Length; i++) samples[i] = i;

        float[] AuxWeightAfterOneStep(float learningRate)
        {
            var net = new AuxiliaryOutputNet(capacity: 16, seed: 4);
            Assert.Equal(2, net.Outputs.Count);
            Assert.Equal(0.4f, net.Outputs[1].LossWeight);
            new Trainer<AuxiliaryOutputNet>(net, new SparseCategoricalCrossEntropy(), new Sgd(learningRate)).TrainStep(data, samples);
            return net.GetParameter("dense_2.weight").Value.Span.ToArray();
        }

        // dense_2 feeds only the auxiliary head, so one SGD step moves it by lr · 0.4 · (the gradient of the auxiliary
        // loss alone), which we compute directly: seed only the auxiliary output's gradient and run Backward.
        var probe = new AuxiliaryOutputNet(capacity: 16, seed: 4);
        probe.Backend.Upload(features.AsSpan(0, 16 * 6), probe.Input);
        probe.Forward(16, training: true);
        var logits = new float[16 * 3];
        probe.Backend.Download(probe.Outputs[1].Logits, 0, logits);
        var auxGradient = new float[16 * 3];
        var targets = Array.ConvertAll(labels[..16], l => (float)l);
        new SparseCategoricalCrossEntropy().ComputeFromLogits(logits, targets, auxGradient, 16, 3);
        probe.Backend.Upload(new float[16 * 4], probe.Outputs[0].OutputGradient);
        probe.Backend.Upload(auxGradient, probe.Outputs[1].OutputGradient);
        probe.Backward(16, outputGradientIsForLogits: true);
        var gradient = probe.GetParameter("dense_2.weight").Gradient.Span.ToArray();

        var before = AuxWeightAfterOneStep(0f);
        var after = AuxWeightAfterOneStep(0.5f);
        for (var i = 0; i < before.Length; i++)
            Assert.Equal(before[i] - 0.5f * 0.4f * gradient[i], after[i], 5);
        Assert.NotEqual(before, after);

        var trainer = new Trainer<AuxiliaryOutputNet>(new AuxiliaryOutputNet(capacity: 16, seed: 4), new SparseCategoricalCrossEntropy(), new Adam(0.01f));
        var history = trainer.Fit(data, new FitOptions { Epochs = 30, BatchSize = 16 });
        Assert.True(history[^1].Loss < history[0].Loss / 2, $"main loss went from {history[0].Loss} to {history[^1].Loss}");
    }
}
