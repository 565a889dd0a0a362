using System;

namespace Unroll;

/// <summary>How <see cref="Trainer{TNetwork}.Fit"/> walks through the data.</summary>
public sealed record FitOptions
{
    /// <summary>Passes over the training data (default 1).</summary>
    public int Epochs { get; init; } = 1;

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

    /// <summary>Evaluated after every epoch when given.</summary>
    public Dataset? Validation { get; init; }

    /// <summary>Called after every optimizer step with running figures for the epoch (for progress bars).</summary>
    public Action<BatchProgress>? OnBatch { get; init; }

    /// <summary>Called after every epoch.</summary>
    public Action<EpochResult>? OnEpoch { get; init; }
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
public readonly record struct EpochResult(int Epoch, float Loss, float Accuracy, double SamplesPerSecond, TimeSpan Elapsed, Evaluation? Validation);

/// <summary>Mean loss and accuracy over a data set.</summary>
/// <param name="Loss">Mean loss per sample.</param>
/// <param name="Accuracy">Fraction classified correctly (NaN when the data has no class labels).</param>
/// <param name="Count">Samples evaluated.</param>
public readonly record struct Evaluation(float Loss, float Accuracy, int Count);
