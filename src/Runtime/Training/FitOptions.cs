using System;
using System.Threading;

namespace Unroll;

/// <summary>How <see cref="Trainer{TNetwork}.Fit"/> walks through the data.</summary>
public sealed record FitOptions
{
    /// <summary>Passes over the training data (default 1).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>
    /// The epochs already done, to resume a run (Keras's <c>initial_epoch</c>): <see cref="Trainer{TNetwork}.Fit"/>
    /// runs epochs <c>InitialEpoch + 1</c> to <see cref="Epochs"/>, with the shuffled orders and learning rates those
    /// epochs have in an uninterrupted run. After <see cref="Trainer{TNetwork}.LoadCheckpoint"/>, pass what it returned:
    /// the run then continues bit for bit as if it had never stopped (early stopping and ReduceOnPlateau start counting
    /// afresh). Default 0.
    /// </summary>
    public int InitialEpoch { get; init; }

    /// <summary>
    /// Samples per optimizer step (default 32). 1 gives stochastic gradient descent, 0 the whole data set
    /// (full-batch gradient descent). A batch larger than the network's capacity is processed in chunks whose
    /// gradients are averaged before the step, so the step is the same as for one large batch.
    /// </summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Whether to visit the samples in a new random order each epoch (default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of the shuffling order.</summary>
    public int Seed { get; init; }

    /// <summary>How the learning rate changes from step to step (default: constant).</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>
    /// Random shifts and flips applied to each training sample as its batch is built (default null: none); never to
    /// <see cref="Validation"/> or to <see cref="Trainer{TNetwork}.Evaluate"/>. Its draws follow <see cref="Seed"/> unless it
    /// has a <see cref="ImageAugmentation.Seed"/> of its own. Its image shape must be the network's input.
    /// </summary>
    /// <example><c>Augmentation = new ImageAugmentation(1, 28, 28) { MaxShift = 2, HorizontalFlip = 0.5 }</c></example>
    public ImageAugmentation? Augmentation { get; init; }

    /// <summary>Evaluated after every epoch when given.</summary>
    public Dataset? Validation { get; init; }

    /// <summary>Called after every optimizer step with running figures for the epoch (for progress bars).</summary>
    public Action<BatchProgress>? OnBatch { get; init; }

    /// <summary>Called after every epoch. A callback can end the run with <see cref="Trainer{TNetwork}.StopTraining"/>.</summary>
    public Action<EpochResult>? OnEpoch { get; init; }

    /// <summary>
    /// Checked before every optimizer step: when cancelled, <see cref="Trainer{TNetwork}.Fit"/> throws
    /// <see cref="OperationCanceledException"/>, leaving the weights as the last whole step made them (and the CSV log
    /// and checkpoint as the last whole epoch left them).
    /// </summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// The figure that <see cref="EarlyStoppingPatience"/> and <see cref="Checkpoint"/> watch (default: the validation
    /// loss when <see cref="Validation"/> is given, else the training loss). A validation figure needs <see cref="Validation"/>.
    /// </summary>
    public Metric? Monitor { get; init; }

    /// <summary>
    /// When set, training stops once the monitored figure has not improved by more than <see cref="MinDelta"/> for this
    /// many epochs in a row (Keras's EarlyStopping).
    /// </summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>How much the monitored figure must improve to count as better (default 0: any improvement).</summary>
    public float MinDelta { get; init; }

    /// <summary>
    /// When set, the weights are saved here (safetensors, replaced whole) after every epoch whose monitored figure is the
    /// best so far, so the file always holds the best model of the run.
    /// </summary>
    public string? Checkpoint { get; init; }

    /// <summary>
    /// When set, this process is one rank of a data-parallel run (<see cref="Unroll.DataParallel"/>): every rank calls
    /// <see cref="Trainer{TNetwork}.Fit"/> with the same data and options, each trains on its shard of every batch, and
    /// all take the same steps. The network's capacity must hold one rank's shard of a batch. Default null: one process.
    /// </summary>
    public DataParallel? DataParallel { get; init; }

    /// <summary>
    /// When set, one CSV line per epoch is appended here as the epoch ends (and flushed):
    /// <c>epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds</c>, with a header line first. An existing file is replaced.
    /// </summary>
    public string? CsvLog { get; init; }
}

/// <summary>A figure of an epoch that training can watch (<see cref="FitOptions.Monitor"/>).</summary>
public enum Metric
{
    /// <summary>Mean training loss; lower is better.</summary>
    Loss,
    /// <summary>Training accuracy; higher is better.</summary>
    Accuracy,
    /// <summary>Loss on <see cref="FitOptions.Validation"/>; lower is better.</summary>
    ValidationLoss,
    /// <summary>Accuracy on <see cref="FitOptions.Validation"/>; higher is better.</summary>
    ValidationAccuracy,
}

/// <summary>Running figures of the current epoch, reported after each optimizer step.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Epochs">Epochs in the run.</param>
/// <param name="Samples">Samples trained on so far this epoch.</param>
/// <param name="SampleCount">Samples in one epoch.</param>
/// <param name="Loss">Mean loss so far this epoch.</param>
/// <param name="Accuracy">Accuracy so far this epoch (NaN when the data has no class labels).</param>
/// <param name="SamplesPerSecond">Training throughput so far this epoch.</param>
public readonly record struct BatchProgress(int Epoch, int Epochs, int Samples, int SampleCount, float Loss, float Accuracy, double SamplesPerSecond);

/// <summary>What one epoch achieved.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Loss">Mean training loss over the epoch.</param>
/// <param name="Accuracy">Training accuracy over the epoch (NaN when the data has no class labels).</param>
/// <param name="SamplesPerSecond">Training throughput.</param>
/// <param name="Elapsed">Time spent training (validation excluded).</param>
/// <param name="Validation">Loss and accuracy on <see cref="FitOptions.Validation"/>, when given.</param>
/// <param name="LearningRate">The learning rate of the epoch's last step.</param>
public readonly record struct EpochResult(int Epoch, float Loss, float Accuracy, double SamplesPerSecond, TimeSpan Elapsed, Evaluation? Validation, float LearningRate)
{
    /// <summary>The value of <paramref name="metric"/> in this epoch.</summary>
    /// <exception cref="InvalidOperationException">A validation figure of an epoch that had no validation set.</exception>
    public float Value(Metric metric) => metric switch
    {
        Metric.Loss => Loss,
        Metric.Accuracy => Accuracy,
        Metric.ValidationLoss => RequireValidation(metric).Loss,
        Metric.ValidationAccuracy => RequireValidation(metric).Accuracy,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Not a metric."),
    };

    private Evaluation RequireValidation(Metric metric) =>
        Validation ?? throw new InvalidOperationException($"Epoch {Epoch} has no {metric}: it ran without a validation set.");
}

/// <summary>Mean loss and accuracy over a data set.</summary>
/// <param name="Loss">Mean loss per sample.</param>
/// <param name="Accuracy">Fraction classified correctly (NaN when the data has no class labels).</param>
/// <param name="Count">Samples evaluated.</param>
public readonly record struct Evaluation(float Loss, float Accuracy, int Count);
