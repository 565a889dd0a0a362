using System;
using System.IO;
using System.Linq;
using Xunit;

namespace Unroll.Tests.Training;

/// <summary>
/// Checkpoints that resume a run bit for bit, the learning-rate schedules beside constant and cosine, and freezing
/// layers.
/// </summary>
public sealed class ResumeTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("unroll-resume-");

    public void Dispose() => _work.Delete(recursive: true);

    private static readonly Dataset Data = TrainerTests.RandomClassification(200, seed: 11);

    // Everything with state of its own: AdamW's moments and step count, clipping, a schedule over the whole run,
    // BatchNorm's running statistics and dropout's masks.
    private static Trainer<ResumableNet> NewTrainer(Optimizer? optimizer = null)
        => new(new ResumableNet(capacity: 32, seed: 4), new SparseCategoricalCrossEntropy(),
            optimizer ?? new AdamW(0.01f, weightDecay: 0.05f) { MaxGradientNorm = 0.5f });

    private static FitOptions Options(int epochs, int initialEpoch = 0) => new()
    {
        Epochs = epochs, InitialEpoch = initialEpoch, BatchSize = 32, Seed = 9, Schedule = LearningRateSchedule.Cosine(0.1f),
    };

    private static float[] State(INetwork network)
        => network.Parameters.Concat(network.Statistics).SelectMany(p =>
        {
            var values = new float[p.Length];
            p.CopyTo(values);
            return values;
        }).ToArray();

    [Fact]
    public void A_resumed_run_continues_bit_for_bit()
    {
        var whole = NewTrainer();
        var uninterrupted = whole.Fit(Data, Options(5));

        // The same run, stopped after epoch 2 with a checkpoint taken then, as a crash after that epoch would leave it.
        var first = NewTrainer();
        var path = Path.Combine(_work.FullName, "run.safetensors");
        first.Fit(Data, Options(5) with
        {
            OnEpoch = result =>
            {
                if (result.Epoch < 2) return;
                first.SaveCheckpoint(path);
                first.StopTraining();
            },
        });

        var resumed = NewTrainer();
        Assert.Equal(2, resumed.LoadCheckpoint(path));
        Assert.Equal(State(first.Network), State(resumed.Network));
        var rest = resumed.Fit(Data, Options(5, initialEpoch: resumed.EpochsCompleted));

        Assert.Equal(new[] { 3, 4, 5 }, rest.Select(r => r.Epoch));
        Assert.Equal(uninterrupted.Skip(2).Select(r => (r.Loss, r.Accuracy, r.LearningRate)), rest.Select(r => (r.Loss, r.Accuracy, r.LearningRate)));
        Assert.Equal(State(whole.Network), State(resumed.Network));
        Assert.Equal(5, resumed.EpochsCompleted);

        // Only the weights is not enough: without the optimizer's moments and steps the run goes elsewhere.
        var weightsOnly = NewTrainer();
        weightsOnly.Network.LoadWeights(path);
        ((INetwork)weightsOnly.Network).RandomPasses = ((INetwork)resumed.Network).RandomPasses;
        weightsOnly.Fit(Data, Options(5, initialEpoch: 2));
        Assert.NotEqual(State(whole.Network), State(weightsOnly.Network));
    }

    [Fact]
    public void A_checkpoint_is_checked_before_anything_changes()
    {
        var trainer = NewTrainer();
        trainer.Fit(Data, Options(1));
        var checkpoint = Path.Combine(_work.FullName, "run.safetensors");
        trainer.SaveCheckpoint(checkpoint);
        var weights = Path.Combine(_work.FullName, "weights.safetensors");
        trainer.Network.SaveWeights(weights);

        var other = NewTrainer(new Sgd(0.1f));
        var before = State(other.Network);
        // Sgd keeps no state, so AdamW's state tensors are ones it does not have.
        var wrong = Assert.Throws<InvalidDataException>(() => other.LoadCheckpoint(checkpoint));
        Assert.Contains("optimizer.state0.dense_1.weight", wrong.Message);
        var adam = NewTrainer(new Adam(0.01f));
        Assert.Contains("optimizer 'adamw', but this trainer's is 'adam'", Assert.Throws<InvalidDataException>(() => adam.LoadCheckpoint(checkpoint)).Message);
        var plain = NewTrainer(new Sgd(0.1f));
        Assert.Contains("not a checkpoint", Assert.Throws<InvalidDataException>(() => plain.LoadCheckpoint(weights)).Message);
        Assert.Equal(before, State(other.Network));
        Assert.Equal(0, adam.Optimizer.Steps);

        var bytes = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, bytes[..^4]);
        var truncated = NewTrainer();
        Assert.Contains("is corrupt", Assert.Throws<InvalidDataException>(() => truncated.LoadCheckpoint(checkpoint)).Message);
        Assert.Equal(0, truncated.EpochsCompleted);
    }

    [Fact]
    public void Initial_epoch_must_leave_an_epoch_to_run()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NewTrainer().Fit(Data, Options(2, initialEpoch: 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => NewTrainer().Fit(Data, Options(2, initialEpoch: -1)));
    }

    [Fact]
    public void Step_decay_and_warmup_follow_their_formulas()
    {
        var step = LearningRateSchedule.StepDecay(everySteps: 10, factor: 0.5f);
        Assert.Equal(new[] { 1f, 1f, 0.5f, 0.25f }, new[] { 0, 9, 10, 25 }.Select(s => step.Rate(1f, s, 100)));
        var warmup = LearningRateSchedule.Warmup(4, LearningRateSchedule.Cosine());
        Assert.Equal(new[] { 0.25f, 0.5f, 1f }, new[] { 0, 1, 3 }.Select(s => warmup.Rate(1f, s, 14)));
        Assert.Equal(LearningRateSchedule.Cosine().Rate(1f, 5, 10), warmup.Rate(1f, 9, 14));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.StepDecay(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.StepDecay(5, factor: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Warmup(0));
    }

    [Fact]
    public void Reduce_on_plateau_lowers_the_rate_after_patience_epochs_without_improvement()
    {
        var plateau = LearningRateSchedule.ReduceOnPlateau(factor: 0.5f, patience: 2, minimumRate: 0.3f);
        plateau.Start();
        var rates = new[] { true, false, false, true, false, false, false, false }.Select(improved =>
        {
            plateau.EpochEnded(improved);
            return plateau.Rate(1f, 0, 1);
        });
        Assert.Equal(new[] { 1f, 1f, 0.5f, 0.5f, 0.5f, 0.3f, 0.3f, 0.3f }, rates);
        plateau.Start();
        Assert.Equal(1f, plateau.Rate(1f, 0, 1));

        // In a run, with a MinDelta that no epoch's loss can beat.
        var real = NewTrainer(new Sgd(0.2f));
        var rates2 = real.Fit(Data, new FitOptions { Epochs = 5, MinDelta = 1f, Schedule = LearningRateSchedule.ReduceOnPlateau(0.5f, patience: 2) });
        // The first epoch sets the best; epochs 2 and 3 do not beat it by MinDelta = 1, so epoch 4 runs at half the rate.
        Assert.Equal(new[] { 0.2f, 0.2f, 0.2f, 0.1f, 0.1f }, rates2.Select(r => r.LearningRate));
    }

    [Fact]
    public void Frozen_layers_keep_their_weights()
    {
        var trainer = NewTrainer();
        var network = trainer.Network;
        network.Freeze("dense_1", "batch_normalization_1");
        var frozen = network.Parameters.Where(p => p.IsFrozen).Select(p => p.Name).ToArray();
        Assert.Equal(new[] { "dense_1.weight", "dense_1.bias", "batch_normalization_1.weight", "batch_normalization_1.bias" }, frozen);
        float[] Values(string name)
        {
            var p = network.Parameters.Concat(network.Statistics).Single(q => q.Name == name);
            var values = new float[p.Length];
            p.CopyTo(values);
            return values;
        }
        var (w1, w2, mean) = (Values("dense_1.weight"), Values("dense_2.weight"), Values("batch_normalization_1.running_mean"));
        trainer.Fit(Data, Options(2));
        Assert.Equal(w1, Values("dense_1.weight"));
        Assert.NotEqual(w2, Values("dense_2.weight"));
        Assert.NotEqual(mean, Values("batch_normalization_1.running_mean")); // statistics are not an optimizer's: they still move

        network.Unfreeze();
        Assert.DoesNotContain(network.Parameters, p => p.IsFrozen);
        trainer.Fit(Data, Options(1));
        Assert.NotEqual(w1, Values("dense_1.weight"));

        var e = Assert.Throws<ArgumentException>(() => network.Freeze("dense_1", "dense_9"));
        Assert.Contains("no layer 'dense_9'", e.Message);
        Assert.DoesNotContain(network.Parameters, p => p.IsFrozen); // refused whole
    }
}
