using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace Unroll.Tests.Training;

/// <summary>What Fit does beyond epochs: validation splits, early stopping, checkpoints, the CSV log, cancellation and stopping.</summary>
public sealed class FitOptionsTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("unroll-fit-");

    public void Dispose() => _work.Delete(recursive: true);

    private static Dataset Blobs(int count, int seed) => TrainerTests.RandomClassification(count, seed);

    private static Trainer<BinaryNet> NewTrainer(float learningRate = 0.01f) =>
        new(new BinaryNet(capacity: 32, seed: 1), new BinaryCrossEntropy(), new Adam(learningRate));

    [Fact]
    public void Split_parts_every_sample_into_two_sets_the_same_way_for_the_same_seed()
    {
        var data = Blobs(100, seed: 1);
        var (train, validation) = data.Split(0.9, seed: 7);
        Assert.Equal((90, 10), (train.Count, validation.Count));
        var rows = Enumerable.Range(0, train.Count).Select(i => (train.Sample(i).ToArray(), train.Labels![i]))
            .Concat(Enumerable.Range(0, validation.Count).Select(i => (validation.Sample(i).ToArray(), validation.Labels![i])))
            .Select(r => $"{r.Item1[0]:R},{r.Item1[1]:R},{r.Item2}").OrderBy(r => r, StringComparer.Ordinal);
        var all = Enumerable.Range(0, data.Count).Select(i => $"{data.Sample(i)[0]:R},{data.Sample(i)[1]:R},{data.Labels![i]}").OrderBy(r => r, StringComparer.Ordinal);
        Assert.Equal(all, rows);
        Assert.Equal(validation.Features, data.Split(0.9, seed: 7).Second.Features);
        Assert.NotEqual(validation.Features, data.Split(0.9, seed: 8).Second.Features);
        Assert.Equal(validation.Targets, validation.Labels!.Select(l => (float)l));

        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(1.0, seed: 1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Blobs(3, 1).Split(0.1, seed: 1));
        Assert.Contains("both sets need at least one sample", e.Message);
    }

    [Fact]
    public void Early_stopping_ends_the_run_after_patience_epochs_without_improvement()
    {
        // A learning rate of 0 never improves the loss: the first epoch stays the best.
        var history = NewTrainer(learningRate: 0f).Fit(Blobs(64, 1),
            new FitOptions { Epochs = 20, Shuffle = false, EarlyStoppingPatience = 3, Monitor = Metric.Loss });
        Assert.Equal(4, history.Count);

        var learning = NewTrainer().Fit(Blobs(256, 1), new FitOptions { Epochs = 6, EarlyStoppingPatience = 3 });
        Assert.Equal(6, learning.Count);
    }

    [Fact]
    public void The_checkpoint_holds_the_weights_of_the_best_validation_epoch()
    {
        var (train, validation) = Blobs(512, 1).Split(0.75, seed: 2);
        string checkpoint = Path.Combine(_work.FullName, "best.safetensors");
        // A learning rate this high makes the validation loss jump about, so the best epoch is not the last one.
        var trainer = NewTrainer(learningRate: 0.5f);
        var history = trainer.Fit(train, new FitOptions { Epochs = 8, Validation = validation, Checkpoint = checkpoint });

        var best = history.Min(r => r.Validation!.Value.Loss);
        Assert.True(best < history[^1].Validation!.Value.Loss, string.Join(", ", history.Select(r => r.Validation!.Value.Loss)));
        var reloaded = new Trainer<BinaryNet>(new BinaryNet(capacity: 32, seed: 9), new BinaryCrossEntropy(), new Adam());
        reloaded.Network.LoadWeights(checkpoint);
        Assert.Equal(best, reloaded.Evaluate(validation).Loss);
    }

    [Fact]
    public void The_csv_log_has_a_header_and_one_line_per_epoch_with_the_figures_fit_returned()
    {
        var (train, validation) = Blobs(256, 1).Split(0.75, seed: 2);
        string path = Path.Combine(_work.FullName, "log.csv");
        var history = NewTrainer().Fit(train, new FitOptions
        {
            Epochs = 3, Validation = validation, CsvLog = path, Schedule = LearningRateSchedule.Cosine(),
        });

        var lines = File.ReadAllLines(path);
        Assert.Equal("epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds", lines[0]);
        Assert.Equal(4, lines.Length);
        for (var e = 0; e < 3; e++)
        {
            var cells = lines[e + 1].Split(',');
            float Cell(int i) => float.Parse(cells[i], CultureInfo.InvariantCulture);
            Assert.Equal(e + 1, int.Parse(cells[0], CultureInfo.InvariantCulture));
            Assert.Equal(history[e].Loss, Cell(1));
            Assert.Equal(history[e].Accuracy, Cell(2));
            Assert.Equal(history[e].Validation!.Value.Loss, Cell(3));
            Assert.Equal(history[e].Validation!.Value.Accuracy, Cell(4));
            Assert.Equal(history[e].LearningRate, Cell(5));
            Assert.True(Cell(6) >= 0);
        }
        Assert.True(history[2].LearningRate < history[0].LearningRate, "the cosine schedule's rate falls");
    }

    [Fact]
    public void A_log_path_that_cannot_be_written_fails_before_any_step()
    {
        var trainer = NewTrainer();
        var before = trainer.Evaluate(Blobs(64, 1)).Loss;
        var e = Assert.Throws<IOException>(() => trainer.Fit(Blobs(64, 1),
            new FitOptions { CsvLog = Path.Combine(_work.FullName, "missing", "log.csv") }));
        Assert.Contains("training log", e.Message);
        Assert.Equal(before, trainer.Evaluate(Blobs(64, 1)).Loss);
    }

    [Fact]
    public void A_checkpoint_path_that_cannot_be_written_fails_before_any_step()
    {
        var trainer = NewTrainer();
        var before = trainer.Evaluate(Blobs(64, 1)).Loss;
        var missing = Assert.Throws<DirectoryNotFoundException>(() => trainer.Fit(Blobs(64, 1),
            new FitOptions { Checkpoint = Path.Combine(_work.FullName, "missing", "best.safetensors") }));
        Assert.Contains("Cannot save the checkpoint", missing.Message);
        var directory = Assert.Throws<IOException>(() => trainer.Fit(Blobs(64, 1), new FitOptions { Checkpoint = _work.FullName }));
        Assert.Contains("is a directory", directory.Message);
        Assert.Equal(before, trainer.Evaluate(Blobs(64, 1)).Loss);
    }

    [Fact]
    public void Cancellation_stops_between_steps_and_the_log_keeps_the_finished_epochs()
    {
        using var cancel = new CancellationTokenSource();
        string path = Path.Combine(_work.FullName, "log.csv");
        var trainer = NewTrainer();
        Assert.Throws<OperationCanceledException>(() => trainer.Fit(Blobs(128, 1), new FitOptions
        {
            Epochs = 5, BatchSize = 32, CsvLog = path, Cancellation = cancel.Token,
            OnBatch = p => { if (p.Epoch == 2 && p.Samples == 64) cancel.Cancel(); },
        }));
        Assert.Equal(2, File.ReadAllLines(path).Length); // the header and epoch 1

        // The weights are those of exactly 4 + 2 whole steps: the same as those steps taken one by one in Fit's order.
        var reference = NewTrainer();
        var order = Enumerable.Range(0, 128).ToArray();
        var random = new Random(0);
        random.Shuffle(order);
        for (var first = 0; first < 128; first += 32) reference.TrainStep(Blobs(128, 1), order.AsSpan(first, 32));
        random.Shuffle(order);
        for (var first = 0; first < 64; first += 32) reference.TrainStep(Blobs(128, 1), order.AsSpan(first, 32));
        string cancelled = Path.Combine(_work.FullName, "cancelled.safetensors"), expected = Path.Combine(_work.FullName, "expected.safetensors");
        trainer.Network.SaveWeights(cancelled);
        reference.Network.SaveWeights(expected);
        Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(cancelled));
    }

    [Fact]
    public void StopTraining_from_a_callback_ends_the_run_after_that_epoch()
    {
        Trainer<BinaryNet>? trainer = null;
        trainer = NewTrainer();
        var history = trainer.Fit(Blobs(64, 1), new FitOptions { Epochs = 10, OnEpoch = r => { if (r.Epoch == 2) trainer.StopTraining(); } });
        Assert.Equal(2, history.Count);
        Assert.Equal(3, trainer.Fit(Blobs(64, 1), new FitOptions { Epochs = 3 }).Count); // the next run starts afresh
    }

    [Fact]
    public void Options_that_cannot_work_are_rejected_before_training()
    {
        var trainer = NewTrainer();
        var data = Blobs(64, 1);
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(data, new FitOptions { Monitor = Metric.ValidationLoss, EarlyStoppingPatience = 2 }));
        Assert.Contains("FitOptions.Validation is not set", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(data, new FitOptions { EarlyStoppingPatience = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(data, new FitOptions { MinDelta = float.NaN }));
        var unlabelled = new Dataset(data.Features, 2, data.Targets, 1);
        e = Assert.Throws<ArgumentException>(() => trainer.Fit(unlabelled, new FitOptions { Monitor = Metric.Accuracy }));
        Assert.Contains("no class labels", e.Message);
    }
}
