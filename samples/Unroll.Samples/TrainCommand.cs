using System;
using System.Diagnostics;
using System.Threading;
using Spectre.Console;

namespace Unroll.Samples;

/// <summary>Trains any generated network on Fashion-MNIST with Adam, showing a progress bar per epoch.</summary>
public static class TrainCommand
{
    public static int Run<TNetwork>(SampleOptions options) where TNetwork : INetwork<TNetwork>
    {
        var clock = Stopwatch.StartNew();
        var (train, test) = FashionMnist.Load(options.DataDirectory);
        (train, test) = (options.Limited(train), options.Limited(test));
        Dataset? validation = null;
        if (options.Validation is double held)
        {
            (train, validation) = train.Split(1 - held, options.Seed);
            Console.WriteLine($"Validation: {validation.Count:N0} of the training images held out (seed {options.Seed})");
        }
        Console.WriteLine($"Fashion-MNIST: {train.Count:N0} training and {test.Count:N0} test images from {options.DataDirectory} ({clock.Elapsed.TotalSeconds:F1} s)");

        var backend = options.CreateBackend();
        using var owned = backend as IDisposable;
        var network = TNetwork.Create(options.BatchSize, backend, options.Seed);
        Console.WriteLine(TNetwork.Summary);
        var optimizer = new Adam(options.LearningRate ?? 0.001f);
        var trainer = new Trainer<TNetwork>(network, new SparseCategoricalCrossEntropy(), optimizer);
        Console.WriteLine($"Training {typeof(TNetwork).Name} on {network.Backend.Name}: {options.Epochs} epochs, batch {options.BatchSize}, " +
                          $"Adam (lr {optimizer.LearningRate}, cosine decay), {(trainer.UsesFusedLoss ? "fused softmax + cross-entropy" : trainer.Loss.Name)}, seed {options.Seed}");

        // Ctrl+C ends training between two steps; the log and the checkpoint keep every finished epoch.
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            EpochProgress.Run(options.Epochs, train.Count, (onBatch, onEpoch) =>
                trainer.Fit(train, new FitOptions
                {
                    Epochs = options.Epochs,
                    BatchSize = options.BatchSize,
                    Seed = options.Seed,
                    Schedule = LearningRateSchedule.Cosine(),
                    Validation = validation,
                    EarlyStoppingPatience = options.Patience,
                    Checkpoint = options.Checkpoint,
                    CsvLog = options.LogPath,
                    Augmentation = options.Augment ? new ImageAugmentation(1, 28, 28) { MaxShift = 2, HorizontalFlip = 0.5 } : null,
                    Cancellation = cancel.Token,
                    OnBatch = onBatch,
                    OnEpoch = onEpoch,
                }));
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine("Training cancelled; testing the weights of the last step.");
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        if (options.Checkpoint is { } best)
        {
            network.LoadWeights(best);
            Console.WriteLine($"Best epoch's weights reloaded from {best}");
        }

        var result = trainer.Evaluate(test);
        Console.WriteLine($"Test accuracy: {result.Accuracy:F4} (loss {result.Loss:F4}) on {result.Count:N0} images; total time {clock.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"Top-2 accuracy: {Metrics.TopKAccuracy(network, test, 2):F4}");
        Console.WriteLine(ConfusionMatrix.Of(network, test).ToString(FashionMnist.ClassNames));
        return 0;
    }
}
