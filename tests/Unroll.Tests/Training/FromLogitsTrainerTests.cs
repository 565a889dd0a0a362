using System;
using Unroll.Models;
using Xunit;

namespace Unroll.Tests.Training;

/// <summary>
/// Where a loss meets a network: a cross-entropy that takes probabilities needs the network to end in its Softmax or
/// Sigmoid, one created with fromLogits: true needs raw scores; every other pairing is refused when the trainer is built.
/// A fromLogits loss on a network without the final activation trains exactly as the fused path of its twin that has it.
/// </summary>
public sealed class FromLogitsTrainerTests
{
    private static Dataset Classification(int count, int sampleSize, int classes, int seed, bool oneHot = false)
    {
        var random = new Random(seed);
        var features = new float[count * sampleSize];
        for (var i = 0; i < features.Length; i++) features[i] = (float)(random.NextDouble() * 2 - 1);
        var labels = new int[count];
        for (var i = 0; i < count; i++) labels[i] = features[i * sampleSize] + features[i * sampleSize + 1] > 0 ? classes - 1 : i % (classes - 1);
        return Dataset.ForClassification(features, sampleSize, labels, classes, oneHot);
    }

    [Fact]
    public void A_probability_loss_on_a_network_without_softmax_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Trainer<SmoothLogitNet>(new SmoothLogitNet(capacity: 4), new SparseCategoricalCrossEntropy(), new Adam()));
        Assert.Equal("loss", e.ParamName);
        Assert.Contains("Loss 'sparse_categorical_crossentropy' takes probabilities from a final Softmax, but SmoothLogitNet's output", e.Message);
        Assert.Contains("ends in Linear", e.Message);
        Assert.Contains("End the network with Softmax, or pass fromLogits: true", e.Message);

        e = Assert.Throws<ArgumentException>(() => new Trainer<SmoothLogitNet>(new SmoothLogitNet(capacity: 4), new CategoricalCrossEntropy(), new Adam()));
        Assert.Contains("End the network with Softmax, or pass fromLogits: true", e.Message);

        // A sigmoid is not a softmax: categorical cross-entropy on independent probabilities is refused too.
        e = Assert.Throws<ArgumentException>(() => new Trainer<BinaryNet>(new BinaryNet(capacity: 4), new CategoricalCrossEntropy(), new Adam()));
        Assert.Contains("ends in Sigmoid", e.Message);
        Assert.Contains("End the network with Softmax", e.Message);
    }

    [Fact]
    public void Binary_cross_entropy_on_a_network_without_sigmoid_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Trainer<BinaryLogitNet>(new BinaryLogitNet(capacity: 4), new BinaryCrossEntropy(), new Adam()));
        Assert.Contains("Loss 'binary_crossentropy' takes probabilities from a final Sigmoid, but BinaryLogitNet's output", e.Message);
        Assert.Contains("ends in Linear", e.Message);
        Assert.Contains("End the network with Sigmoid, or pass fromLogits: true", e.Message);
    }

    [Fact]
    public void From_logits_on_a_network_that_already_ends_in_softmax_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Trainer<SmoothNet>(new SmoothNet(capacity: 4), new SparseCategoricalCrossEntropy(fromLogits: true), new Adam()));
        Assert.Equal("loss", e.ParamName);
        Assert.Contains("was created with fromLogits: true, so it applies softmax itself, but SmoothNet's output", e.Message);
        Assert.Contains("already ends in Softmax", e.Message);
        Assert.Contains("Remove the final Softmax from the network, or use fromLogits: false", e.Message);

        e = Assert.Throws<ArgumentException>(() => new Trainer<BinaryNet>(new BinaryNet(capacity: 4), new BinaryCrossEntropy(fromLogits: true), new Adam()));
        Assert.Contains("already ends in Sigmoid", e.Message);
    }

    [Fact]
    public void Every_auxiliary_output_is_checked()
    {
        // The main output ends in Softmax, the auxiliary head does not: neither setting of fromLogits fits both.
        var e = Assert.Throws<ArgumentException>(() => new Trainer<AuxiliaryLogitHeadNet>(new AuxiliaryLogitHeadNet(capacity: 4), new SparseCategoricalCrossEntropy(), new Adam()));
        Assert.Contains("AuxiliaryLogitHeadNet's auxiliary output", e.Message);
        Assert.Contains("(output 1 of 2) ends in Linear", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Trainer<AuxiliaryLogitHeadNet>(new AuxiliaryLogitHeadNet(capacity: 4), new SparseCategoricalCrossEntropy(fromLogits: true), new Adam()));
        Assert.Contains("AuxiliaryLogitHeadNet's main output", e.Message);
        Assert.Contains("already ends in Softmax", e.Message);
    }

    [Fact]
    public void Kullback_leibler_divergence_needs_a_final_softmax()
    {
        var e = Assert.Throws<ArgumentException>(() => new Trainer<SmoothLogitNet>(new SmoothLogitNet(capacity: 4), new KullbackLeiblerDivergence(), new Adam()));
        Assert.Contains("Loss 'kl_divergence' takes probabilities from a final Softmax, but SmoothLogitNet's output", e.Message);
        Assert.EndsWith("End the network with Softmax. (Parameter 'loss')", e.Message);
        Assert.Throws<ArgumentException>(() => new Trainer<BinaryNet>(new BinaryNet(capacity: 4), new KullbackLeiblerDivergence(), new Adam()));
    }

    [Fact]
    public void Losses_that_take_any_values_still_train_any_network()
    {
        Assert.False(new Trainer<SmoothLogitNet>(new SmoothLogitNet(capacity: 4), new MeanSquaredError(), new Adam()).UsesFusedLoss);
        Assert.False(new Trainer<SmoothNet>(new SmoothNet(capacity: 4), new KullbackLeiblerDivergence(), new Adam()).UsesFusedLoss);
    }

    /// <summary>Copies every parameter of <paramref name="from"/> into <paramref name="to"/>, which has the same layers.</summary>
    private static void CopyParameters(INetwork from, INetwork to)
    {
        Assert.Equal(from.Parameters.Count, to.Parameters.Count);
        for (var p = 0; p < from.Parameters.Count; p++)
        {
            var values = new float[from.Parameters[p].Length];
            from.Parameters[p].CopyTo(values);
            to.Parameters[p].CopyFrom(values);
        }
    }

    /// <summary>
    /// One SGD step of the fused path (a network ending in Softmax/Sigmoid, probability loss) and of the fromLogits path
    /// (its twin without the final activation): same loss, same count of correct samples, same gradients and parameters.
    /// </summary>
    private static void AssertSameStep<TFused, TLogits>(Loss probabilities, Loss fromLogits, Dataset data)
        where TFused : INetwork<TFused> where TLogits : INetwork<TLogits>
    {
        const int batch = 8;
        var fusedNet = TFused.Create(batch, CpuBackend.Shared, seed: 3);
        var logitNet = TLogits.Create(batch, CpuBackend.Shared, seed: 4);
        CopyParameters(fusedNet, logitNet);
        var fused = new Trainer<TFused>(fusedNet, probabilities, new Sgd(0.1f));
        var logits = new Trainer<TLogits>(logitNet, fromLogits, new Sgd(0.1f));
        Assert.True(fused.UsesFusedLoss);
        Assert.False(logits.UsesFusedLoss);

        var samples = new int[batch];
        for (var i = 0; i < batch; i++) samples[i] = i;
        var (fusedLoss, fusedCorrect) = fused.TrainStep(data, samples);
        var (logitLoss, logitCorrect) = logits.TrainStep(data, samples);

        // The twins run the same kernels on the same values (the fused path skips the softmax backward, the other has
        // none), so the results agree to the last bit.
        Assert.Equal(fusedLoss, logitLoss);
        Assert.Equal(fusedCorrect, logitCorrect);
        for (var p = 0; p < fusedNet.Parameters.Count; p++)
        {
            Assert.Equal(fusedNet.Parameters[p].Gradient.Span.ToArray(), logitNet.Parameters[p].Gradient.Span.ToArray());
            Assert.Equal(fusedNet.Parameters[p].Value.Span.ToArray(), logitNet.Parameters[p].Value.Span.ToArray());
        }
        Assert.Equal(fused.Evaluate(data), logits.Evaluate(data));
    }

    [Fact]
    public void Sparse_cross_entropy_from_logits_takes_the_fused_softmax_step()
        => AssertSameStep<SmoothNet, SmoothLogitNet>(new SparseCategoricalCrossEntropy(), new SparseCategoricalCrossEntropy(fromLogits: true),
            Classification(16, SmoothNet.InputSize, 3, seed: 1));

    [Fact]
    public void Categorical_cross_entropy_from_logits_takes_the_fused_softmax_step()
        => AssertSameStep<SmoothNet, SmoothLogitNet>(new CategoricalCrossEntropy(), new CategoricalCrossEntropy(fromLogits: true),
            Classification(16, SmoothNet.InputSize, 3, seed: 2, oneHot: true));

    [Fact]
    public void Binary_cross_entropy_from_logits_takes_the_fused_sigmoid_step()
    {
        // Plain constructor, targets 0/1 with labels: accuracy reads logits against 0 on both sides.
        var random = new Random(3);
        var features = new float[16 * 2];
        for (var i = 0; i < features.Length; i++) features[i] = (float)(random.NextDouble() * 2 - 1);
        var labels = new int[16];
        for (var i = 0; i < labels.Length; i++) labels[i] = features[2 * i] - features[2 * i + 1] > 0 ? 1 : 0;
        var data = new Dataset(features, 2, Array.ConvertAll(labels, l => (float)l), 1, labels);
        AssertSameStep<BinaryNet, BinaryLogitNet>(new BinaryCrossEntropy(), new BinaryCrossEntropy(fromLogits: true), data);
    }

    [Fact]
    public void A_network_without_softmax_gets_correct_gradients_from_a_from_logits_loss()
        => GradientCheck.CheckAllParameters<SmoothLogitNet>(new SparseCategoricalCrossEntropy(fromLogits: true), [[2, 0, 1]], batch: 3, fused: false);

    [Fact]
    public void A_linear_classifier_learns_fashion_mnist_with_a_from_logits_loss()
    {
        // The case: FashionMlp without its Softmax trained with probability cross-entropy reached 19%.
        var (train, test) = FashionMnist.Load();
        var trainer = new Trainer<FashionLogitMlp>(new FashionLogitMlp(capacity: 64, seed: 1), new SparseCategoricalCrossEntropy(fromLogits: true), new Adam());
        trainer.Fit(train.Take(12_000), new FitOptions { Epochs = 1, BatchSize = 64 });
        Assert.True(trainer.Evaluate(test.Take(2_000)).Accuracy > 0.75f);
    }
}

/// <summary><see cref="FashionMlp"/> without its Softmax: the same 784 → 256 → 128 → 10, ten raw scores out.</summary>
[Network(784)]
[Dense(256), Relu]
[Dense(128), Relu]
[Dense(10)]
public partial class FashionLogitMlp;
