using System;
using Unroll.Tests.Training;
using Xunit;

namespace Unroll.Tests.Data;

/// <summary>A four-value autoencoder with a two-value code, ending in sigmoid as pixel autoencoders do.</summary>
[Network(4)]
[Dense(2), Tanh, Dense(4), Sigmoid]
public partial class TinyAutoencoder;

/// <summary>Four values in, a softmax over four out: the right sizes for an autoencoder, with a loss that cannot train one.</summary>
[Network(4)]
[Dense(4), Softmax]
public partial class FourWaySoftmax;

public sealed class AutoencoderDatasetTests
{
    // Two patterns and their complements: a two-value code can hold them.
    private static readonly float[] Patterns =
    [
        1, 1, 0, 0,
        0, 0, 1, 1,
        1, 0, 1, 0,
        0, 1, 0, 1,
    ];

    [Fact]
    public void Targets_are_the_features_themselves()
    {
        var set = Dataset.ForClassification((float[])Patterns.Clone(), 4, [0, 1, 2, 3], classes: 4);
        var autoencoder = set.AsAutoencoder();

        Assert.True(autoencoder.IsAutoencoder);
        Assert.False(set.IsAutoencoder);
        Assert.Same(set.Features, autoencoder.Features);
        Assert.Same(set.Features, autoencoder.Targets); // no copy
        Assert.Equal(4, autoencoder.Count);
        Assert.Equal(4, autoencoder.TargetSize);
        Assert.Equal(autoencoder.Sample(2).ToArray(), autoencoder.Target(2).ToArray());
        // Accuracy against a reconstruction means nothing: the labels stay with the classification set.
        Assert.Null(autoencoder.Labels);
        Assert.Equal(0, autoencoder.ClassCount);
        Assert.Same(autoencoder, autoencoder.AsAutoencoder());
    }

    [Fact]
    public void Take_keeps_an_autoencoder_set_one()
    {
        var first = new Dataset((float[])Patterns.Clone(), 4, new float[4], 1).AsAutoencoder().Take(2);
        Assert.True(first.IsAutoencoder);
        Assert.Same(first.Features, first.Targets);
        Assert.Equal(Patterns[..8], first.Targets);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Trains_a_network_to_reconstruct_its_input(bool crossEntropy)
    {
        var data = new Dataset(Patterns, 4, new float[4], 1).AsAutoencoder();
        Loss loss = crossEntropy ? new BinaryCrossEntropy() : new MeanSquaredError();
        var trainer = new Trainer<TinyAutoencoder>(new TinyAutoencoder(capacity: 4, seed: 3), loss, new Adam(0.05f));
        Assert.Equal(crossEntropy, trainer.UsesFusedLoss);

        var before = trainer.Evaluate(data).Loss;
        var epochs = trainer.Fit(data, new FitOptions { Epochs = 300, BatchSize = 4 });
        var after = trainer.Evaluate(data).Loss;

        Assert.True(float.IsNaN(epochs[^1].Accuracy));
        Assert.True(after < before / 3, $"{loss.Name}: {before} before training, {after} after");
    }

    [Fact]
    public void A_network_that_does_not_give_back_its_input_size_is_refused()
    {
        // RegressionNet takes 4 values and outputs 2.
        var trainer = new Trainer<RegressionNet>(new RegressionNet(capacity: 4), new MeanSquaredError(), new Adam());
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(new Dataset(Patterns, 4, new float[4], 1).AsAutoencoder()));
        Assert.Contains("an autoencoder data set's targets are its samples, so the network must output as many values as it takes (4), but RegressionNet outputs (2).", e.Message);
    }

    [Fact]
    public void A_loss_that_takes_class_indices_is_refused()
    {
        var trainer = new Trainer<FourWaySoftmax>(new FourWaySoftmax(capacity: 4), new SparseCategoricalCrossEntropy(), new Adam());
        var e = Assert.Throws<ArgumentException>(() => trainer.Evaluate(new Dataset(Patterns, 4, new float[4], 1).AsAutoencoder()));
        Assert.Contains("which 'sparse_categorical_crossentropy' cannot take; use MeanSquaredError, or BinaryCrossEntropy for values in [0, 1].", e.Message);
    }

    [Fact]
    public void Binary_cross_entropy_names_a_value_outside_zero_to_one()
    {
        // Pixels left in 0..255 instead of [0, 1]: sample 1 holds 255 at position 2.
        var pixels = new float[] { 0, 0, 0, 0, 0, 0, 255, 0 };
        var trainer = new Trainer<TinyAutoencoder>(new TinyAutoencoder(capacity: 2), new BinaryCrossEntropy(), new Adam());
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(new Dataset(pixels, 4, new float[2], 1).AsAutoencoder()));
        Assert.Contains("the target of sample 1 of the data set has 255 at position 2, outside [0, 1]", e.Message);

        // MSE has no such bound.
        new Trainer<TinyAutoencoder>(new TinyAutoencoder(capacity: 2), new MeanSquaredError(), new Adam())
            .Fit(new Dataset(pixels, 4, new float[2], 1).AsAutoencoder());

        // The loss on its own says the same, naming the row in the batch.
        var direct = Assert.Throws<ArgumentException>(() => new BinaryCrossEntropy().Compute([0.5f, 0.5f], [1, -0.5f], new float[2], 2, 1));
        Assert.Contains("the target of sample 1 has -0.5 at position 0, outside [0, 1]", direct.Message);
    }
}
