using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Unroll.Tests.Training;
using Xunit;

namespace Unroll.Tests.Distributed;

/// <summary>A network whose loss a huge input can overflow: no squashing activation before the softmax.</summary>
[Network(3)]
[Dense(4), Dense(2), Softmax]
public partial class OverflowNet;

/// <summary>
/// <see cref="DataParallel"/>'s logic with ranks as threads (<see cref="LoopbackGroup"/>): shards, buckets, the exchanges
/// that keep ranks in step, and what happens when one rank differs, fails or stops. MpiTests run it on real processes.
/// </summary>
public sealed class DataParallelTests
{
    private static Dataset Images(int count, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * SmoothNet.InputSize];
        for (var i = 0; i < features.Length; i++) features[i] = (float)(random.NextDouble() * 2 - 1);
        var labels = new int[count];
        for (var i = 0; i < count; i++) labels[i] = (i * 7 + seed) % 3;
        return Dataset.ForClassification(features, SmoothNet.InputSize, labels, classes: 3);
    }

    private static float[] Values(INetwork network)
    {
        var values = new List<float>();
        foreach (var parameter in network.Parameters)
        {
            var buffer = new float[parameter.Length];
            network.Backend.Download(parameter.Value, 0, buffer);
            values.AddRange(buffer);
        }
        return values.ToArray();
    }

    private static void AllSucceeded<T>((T? Result, Exception? Error)[] results)
    {
        foreach (var (_, error) in results)
            if (error is not null) throw new Xunit.Sdk.XunitException("A rank failed: " + error);
    }

    [Theory]
    [InlineData(1, 10, 47)]   // one rank: plain training
    [InlineData(2, 10, 47)]   // the last batch, of 7, splits 3 and 4
    [InlineData(3, 9, 40)]
    [InlineData(3, 2, 11)]    // a batch smaller than the ranks: one rank has no samples in each step
    public void Ranks_take_the_steps_one_process_takes_on_the_whole_batch(int size, int batch, int count)
    {
        var data = Images(count, seed: 1);
        var validation = Images(13, seed: 2);
        FitOptions Options(DataParallel? parallel) => new() { Epochs = 2, BatchSize = batch, Seed = 3, Validation = validation, DataParallel = parallel };
        var group = new LoopbackGroup(size);
        var results = group.Run(rank =>
        {
            // A seed of its own on every rank: rank 0's parameters must reach the others before the first step.
            var network = new SmoothNet(capacity: (batch + size - 1) / size, seed: 10 + rank.Rank);
            var trainer = new Trainer<SmoothNet>(network, new SparseCategoricalCrossEntropy(), new Sgd(0.2f));
            var history = trainer.Fit(data, Options(new DataParallel(rank) { BucketBytes = 64 })); // many buckets
            return (Values: Values(network), History: history);
        });
        AllSucceeded(results);
        var (values, history) = results[0].Result;
        for (var r = 1; r < size; r++)
        {
            Assert.Equal(values, results[r].Result.Values);            // bit for bit
            Assert.Equal(history.Select(e => (e.Loss, e.Accuracy, e.Validation)), results[r].Result.History.Select(e => (e.Loss, e.Accuracy, e.Validation)));
        }

        var alone = new SmoothNet(capacity: batch, seed: 10);
        var reference = new Trainer<SmoothNet>(alone, new SparseCategoricalCrossEntropy(), new Sgd(0.2f)).Fit(data, Options(null));
        var expected = Values(alone);
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - values[i]) <= 1e-5f, $"parameter value {i}: {values[i]} on the ranks, {expected[i]} alone");
        for (var e = 0; e < reference.Count; e++)
        {
            Assert.Equal(reference[e].Loss, history[e].Loss, 1e-5f);
            Assert.Equal(reference[e].Accuracy, history[e].Accuracy);
            Assert.Equal(reference[e].Validation!.Value.Loss, history[e].Validation!.Value.Loss, 1e-5f);
            Assert.Equal(reference[e].Validation!.Value.Accuracy, history[e].Validation!.Value.Accuracy);
        }
    }

    private sealed class Recorder(INetwork network, List<(int First, int Count, float[] Gradient)> calls) : IGradientListener
    {
        public void GradientsReady(int firstParameter, int count)
        {
            var gradient = new List<float>();
            for (var p = firstParameter; p < firstParameter + count; p++)
            {
                var values = new float[network.Parameters[p].Length];
                network.Backend.Download(network.Parameters[p].Gradient, 0, values);
                gradient.AddRange(values);
            }
            calls.Add((firstParameter, count, gradient.ToArray()));
        }
    }

    [Fact]
    public void Generated_backward_reports_each_layers_gradients_when_they_are_final_last_layer_first()
    {
        var network = new SmoothNet(capacity: 2, seed: 1);
        var calls = new List<(int First, int Count, float[] Gradient)>();
        network.GradientListener = new Recorder(network, calls);
        network.Backend.Upload(Images(2, seed: 1).Features.AsSpan(0, 2 * SmoothNet.InputSize), network.Input);
        network.Forward(2, training: true);
        network.Backend.Upload(new float[] { 1, 0, 0, 0, 1, 0 }, network.OutputGradient);
        network.Backward(2, outputGradientIsForLogits: true);

        Assert.Equal([(6, 2), (4, 2), (2, 2), (0, 2)], calls.Select(c => (c.First, c.Count)));
        foreach (var (first, count, gradient) in calls)
        {
            var now = new List<float>();
            for (var p = first; p < first + count; p++)
            {
                var values = new float[network.Parameters[p].Length];
                network.Backend.Download(network.Parameters[p].Gradient, 0, values);
                now.AddRange(values);
            }
            Assert.Equal(now, gradient); // nothing after the call changed them
            Assert.Contains(gradient, g => g != 0);
        }
    }

    [Fact]
    public void A_non_finite_loss_on_one_rank_skips_the_step_on_every_rank()
    {
        var group = new LoopbackGroup(2);
        var results = group.Run(rank =>
        {
            // The same size of data on both (they must agree on it), but rank 1's values overflow its loss.
            var features = new float[8 * 3];
            for (var i = 0; i < features.Length; i++) features[i] = rank.Rank == 1 && i >= 12 ? 3e38f : 0.5f;
            var data = Dataset.ForClassification(features, 3, new int[8], classes: 2);
            var network = new OverflowNet(capacity: 4, seed: 1);
            var before = Values(network);
            var trainer = new Trainer<OverflowNet>(network, new SparseCategoricalCrossEntropy(), new Sgd(0.1f));
            var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(data, new FitOptions { BatchSize = 8, Shuffle = false, DataParallel = new DataParallel(rank) }));
            return (error.Message, Values: Values(network), Steps: trainer.Optimizer.Steps);
        });
        AllSucceeded(results);
        foreach (var (result, _) in results)
        {
            Assert.StartsWith("The loss became NaN in epoch 1 at samples 0..7", result.Message);
            Assert.Equal(0, result.Steps);
        }
        Assert.Equal(results[0].Result.Values, results[1].Result.Values);
    }

    [Fact]
    public void A_rank_that_waits_for_one_that_never_comes_times_out_saying_where()
    {
        var group = new LoopbackGroup(2);
        var trainer = new Trainer<SmoothNet>(new SmoothNet(capacity: 4, seed: 1), new SparseCategoricalCrossEntropy(), new Sgd());
        var parallel = new DataParallel(group.Ranks[0]) { Timeout = TimeSpan.FromMilliseconds(300) };
        var error = Assert.Throws<TimeoutException>(() => trainer.Fit(Images(8, seed: 1), new FitOptions { BatchSize = 8, DataParallel = parallel }));
        Assert.StartsWith("Rank 0 of 2 waited 0.3 s for the other ranks to compare their networks: a rank has died or hangs", error.Message);
    }

    [Fact]
    public void Ranks_that_train_differently_each_fail_before_any_step_naming_what_differs()
    {
        var group = new LoopbackGroup(3);
        var results = group.Run(rank =>
        {
            var trainer = new Trainer<SmoothNet>(new SmoothNet(capacity: 4, seed: 1), new SparseCategoricalCrossEntropy(), new Sgd());
            var options = new FitOptions { BatchSize = 8, Epochs = rank.Rank == 2 ? 3 : 2, DataParallel = new DataParallel(rank) };
            var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(Images(8, seed: 1), options));
            return (error.Message, trainer.Optimizer.Steps);
        });
        AllSucceeded(results);
        Assert.StartsWith("Rank(s) 2 of 3 do not train what rank 0 trains (Unroll.Tests.Training.SmoothNet with 212 parameters", results[0].Result.Message);
        Assert.Equal(results[0].Result.Message, results[1].Result.Message);
        Assert.StartsWith("Rank 2 of 3 does not train what rank 0 trains, so their steps would not match. Here: Unroll.Tests.Training.SmoothNet", results[2].Result.Message);
        Assert.Contains("epochs 1 to 3", results[2].Result.Message);
        Assert.Contains("On rank 0: ", results[2].Result.Message);
        Assert.All(results, r => Assert.Equal(0, r.Result.Steps));
    }

    [Fact]
    public void StopTraining_on_one_rank_ends_every_rank_after_the_same_epoch()
    {
        var group = new LoopbackGroup(2);
        var results = group.Run(rank =>
        {
            var trainer = new Trainer<SmoothNet>(new SmoothNet(capacity: 4, seed: 1), new SparseCategoricalCrossEntropy(), new Sgd());
            return trainer.Fit(Images(16, seed: 1), new FitOptions
            {
                Epochs = 4, BatchSize = 8, DataParallel = new DataParallel(rank),
                OnEpoch = e => { if (rank.Rank == 1 && e.Epoch == 2) trainer.StopTraining(); },
            }).Count;
        });
        AllSucceeded(results);
        Assert.All(results, r => Assert.Equal(2, r.Result));
    }

    [Fact]
    public void Cancelling_one_rank_stops_every_rank_at_the_same_step()
    {
        var group = new LoopbackGroup(2);
        using var cancel = new CancellationTokenSource();
        var results = group.Run(rank =>
        {
            var network = new SmoothNet(capacity: 4, seed: 1);
            var trainer = new Trainer<SmoothNet>(network, new SparseCategoricalCrossEntropy(), new Sgd());
            var error = Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(Images(40, seed: 1), new FitOptions
            {
                BatchSize = 8, DataParallel = new DataParallel(rank),
                Cancellation = rank.Rank == 0 ? cancel.Token : CancellationToken.None,
                OnBatch = b => { if (rank.Rank == 0 && b.Samples == 16) cancel.Cancel(); },
            }));
            return (error.Message, trainer.Optimizer.Steps, Values: Values(network));
        });
        AllSucceeded(results);
        Assert.All(results, r => Assert.Equal(2, r.Result.Steps));
        Assert.StartsWith("Another rank's training was cancelled (epoch 1, step 3)", results[1].Result.Message);
        Assert.Equal(results[0].Result.Values, results[1].Result.Values);
    }

    [Fact]
    public void A_capacity_below_a_ranks_shard_is_refused_with_the_capacity_it_needs()
    {
        var group = new LoopbackGroup(2);
        var trainer = new Trainer<SmoothNet>(new SmoothNet(capacity: 4, seed: 1), new SparseCategoricalCrossEntropy(), new Sgd());
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(Images(20, seed: 1), new FitOptions { BatchSize = 10, DataParallel = new DataParallel(group.Ranks[0]) }));
        Assert.StartsWith("A batch of 10 on 2 ranks gives each rank up to 5 samples, but this SmoothNet holds 4: create it with a capacity of at least 5.", error.Message);
    }
}
