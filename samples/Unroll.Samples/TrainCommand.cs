using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace Unroll.Samples;

/// <summary>Trains any generated classifier on Fashion-MNIST with Adam, showing its progress, then tests it.</summary>
public static class TrainCommand
{
    public static int Run<TNetwork>(SampleOptions options) where TNetwork : INetwork<TNetwork>
    {
        var clock = Stopwatch.StartNew();
        using var ranks = options.Distributed ? Ranks.Start(options) : null;
        if (ranks is { Parallel.IsRoot: false }) Console.SetOut(TextWriter.Null); // rank 0 alone reports; errors still show
        var (train, test) = FashionMnist.Load(options.DataDirectory);
        (train, test) = (options.Limited(train), options.Limited(test));
        Console.WriteLine($"Fashion-MNIST: {train.Count:N0} training and {test.Count:N0} test images ({clock.Elapsed.TotalSeconds:F1} s)");

        var backend = options.CreateBackend();
        using var owned = backend as IDisposable;
        // Each rank holds its shard of a batch.
        var capacity = ranks is null ? options.BatchSize : (options.BatchSize + ranks.Parallel.Size - 1) / ranks.Parallel.Size;
        var network = TNetwork.Create(capacity, backend, options.Seed);
        var trainer = new Trainer<TNetwork>(network, new SparseCategoricalCrossEntropy(), new Adam(options.LearningRate ?? 0.001f));
        try
        {
            Fit(trainer, train, options, options.Augment ? new ImageAugmentation(1, 28, 28) { MaxShift = 2, HorizontalFlip = 0.5 } : null, ranks?.Parallel);
        }
        catch (Exception e) when (ranks is not null && e is not OperationCanceledException)
        {
            ranks.Abort(e);
        }
        if (ranks is { Parallel.IsRoot: false }) return 0;

        var result = trainer.Evaluate(test);
        Console.WriteLine($"Test accuracy: {result.Accuracy:F4} (loss {result.Loss:F4}) on {result.Count:N0} images; total time {clock.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"Top-2 accuracy: {Metrics.TopKAccuracy(network, test, 2):F4}");
        Console.WriteLine(ConfusionMatrix.Of(network, test).ToString(FashionMnist.ClassNames));
        return 0;
    }

    /// <summary>
    /// What every training command shares: the summary, the validation split, <see cref="Trainer{TNetwork}.Fit"/> with
    /// the command line's options and a cosine schedule, progress, Ctrl+C, the plot, and the best epoch's weights reloaded.
    /// </summary>
    public static void Fit<TNetwork>(Trainer<TNetwork> trainer, Dataset train, SampleOptions options, ImageAugmentation? augmentation = null,
        DataParallel? parallel = null)
        where TNetwork : INetwork<TNetwork>
    {
        Dataset? validation = null;
        if (options.Validation is double held)
        {
            (train, validation) = train.Split(1 - held, options.Seed);
            Console.WriteLine($"Validation: {validation.Count:N0} of the training images held out (seed {options.Seed})");
        }
        var network = trainer.Network;
        Console.WriteLine(TNetwork.Summary);
        Console.WriteLine($"Training {typeof(TNetwork).Name} on {network.Backend.Name}: {options.Epochs} epoch{(options.Epochs == 1 ? "" : "s")}, batch {options.BatchSize}, seed {options.Seed},");
        Console.WriteLine($"  Adam (lr {trainer.Optimizer.LearningRate}, cosine decay), {trainer.Loss.Name}{(trainer.UsesFusedLoss ? ", fused with the final activation" : "")}");
        if (parallel is not null)
            Console.WriteLine($"  data-parallel on {parallel.Size} ranks: {(options.BatchSize + parallel.Size - 1) / parallel.Size} images per rank and step");

        if (options.PlotPath is { } plotPath) TrainingPlot.CheckWritable(plotPath);

        // Ctrl+C ends training between two steps; the log, the checkpoint and the plot keep every finished epoch.
        var finished = new List<EpochResult>();
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
                    Augmentation = augmentation,
                    Cancellation = cancel.Token,
                    DataParallel = parallel,
                    OnBatch = onBatch,
                    OnEpoch = result => { finished.Add(result); onEpoch(result); },
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
        if (parallel is not null)
            Console.WriteLine($"The {parallel.Size} ranks' parameters were bit-identical after every epoch");
        if (options.PlotPath is { } plot && finished.Count > 0)
        {
            TrainingPlot.Save(plot, finished, typeof(TNetwork).Name);
            Console.WriteLine($"Wrote {Path.GetFullPath(plot)}: loss{(float.IsNaN(finished[0].Accuracy) ? "" : " and accuracy")} per epoch");
        }
        if (options.Checkpoint is { } best && (parallel?.IsRoot ?? true)) // rank 0 alone writes it
        {
            network.LoadWeights(best);
            Console.WriteLine($"Best epoch's weights reloaded from {best}");
        }
    }
}
