using System;
using System.Diagnostics;
using System.Threading;

namespace Unroll;

/// <summary>
/// Data-parallel training across the ranks of an <see cref="ICommunicator"/>, as PyTorch's DistributedDataParallel does
/// it: give it as <see cref="FitOptions.DataParallel"/> on every rank. Each rank trains on its shard of every batch of
/// <see cref="FitOptions.BatchSize"/> samples (the shuffled order is the same on every rank, so the shards partition
/// each epoch); rank 0's parameters are copied to every rank first; during the backward pass, gradients are summed
/// across ranks in buckets of about <see cref="BucketBytes"/>, each started as soon as the pass has finished it, so that
/// every rank takes the same optimizer step as one process would on the whole batch.
/// </summary>
/// <remarks>
/// <para>BatchNorm's running statistics stay per rank (DDP's default): each rank's are those of its own shards, and
/// rank 0's are the ones it saves.</para>
/// <para>The epoch's loss and accuracy, and the validation figures (each rank evaluates its share of
/// <see cref="FitOptions.Validation"/>), are totals over every rank, the same on all, so that early stopping and
/// learning-rate plateaus decide alike. Only rank 0 writes <see cref="FitOptions.Checkpoint"/> and
/// <see cref="FitOptions.CsvLog"/>; callbacks run on every rank (pass them on rank 0 alone to print once).</para>
/// <para>Ranks check at the start that they train the same network the same way, and after every epoch that their
/// parameters are bit-identical. A rank that waits longer than <see cref="Timeout"/> for the others throws
/// <see cref="TimeoutException"/>: call <see cref="ICommunicator.Abort"/> then, so that every rank stops.</para>
/// </remarks>
public sealed class DataParallel
{
    /// <summary>Trains across <paramref name="communicator"/>'s ranks.</summary>
    public DataParallel(ICommunicator communicator)
    {
        Communicator = communicator ?? throw new ArgumentNullException(nameof(communicator));
        if (communicator.Size < 1 || (uint)communicator.Rank >= (uint)communicator.Size)
            throw new ArgumentException($"The communicator says rank {communicator.Rank} of {communicator.Size}: a rank is from 0 to size - 1.", nameof(communicator));
    }

    /// <summary>The group of ranks.</summary>
    public ICommunicator Communicator { get; }

    /// <summary>This rank.</summary>
    public int Rank => Communicator.Rank;

    /// <summary>Ranks training together.</summary>
    public int Size => Communicator.Size;

    /// <summary>Whether this is rank 0, the one that saves and logs.</summary>
    public bool IsRoot => Communicator.Rank == 0;

    /// <summary>
    /// The gradient bytes in one all-reduce (default 1 MiB; PyTorch's is 25 MiB, sized for GPUs): smaller buckets start
    /// sooner after the backward pass reaches them, larger ones pay the per-message latency less often. A parameter
    /// larger than this is a bucket of its own.
    /// </summary>
    public int BucketBytes
    {
        get => _bucketBytes;
        init => _bucketBytes = value >= 4 ? value : throw new ArgumentOutOfRangeException(nameof(BucketBytes), value, "A bucket holds at least one float (4 bytes).");
    }

    private readonly int _bucketBytes = 1 << 20;

    /// <summary>
    /// How long a rank waits for the others at any one exchange before it gives up with <see cref="TimeoutException"/>
    /// (default 60 s): a rank that died or hangs must not keep the others waiting for ever. Rank 0 alone writes the
    /// checkpoint, which the others wait for, so allow for that.
    /// </summary>
    public TimeSpan Timeout
    {
        get => _timeout;
        init => _timeout = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(Timeout), value, "The timeout must be positive.");
    }

    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(60);

    /// <summary>Where training is, for the message of a timeout: set by the trainer, read only when one happens.</summary>
    internal int Epoch, Step;

    /// <summary>The first and last-plus-one index of this rank's share of <paramref name="count"/> items: shares differ by at most one.</summary>
    internal (int Start, int End) Share(int count) =>
        ((int)((long)count * Rank / Size), (int)((long)count * (Rank + 1) / Size));

    /// <summary>Sums in place across ranks and waits; <paramref name="what"/> names the exchange if it times out.</summary>
    internal void Sum(double[] values, string what) => Wait(Communicator.StartSum(values, 0, values.Length), what);

    /// <inheritdoc cref="Sum(double[], string)"/>
    internal void Sum(float[] values, int start, int count, string what) => Wait(Communicator.StartSum(values, start, count), what);

    /// <summary>
    /// Polls <paramref name="request"/> until it completes: spinning and yielding, not sleeping, since a step waits for
    /// the other ranks' backward passes and a millisecond's sleep would cost more than the exchange.
    /// </summary>
    /// <param name="request">The sum to wait for.</param>
    /// <param name="what">The exchange, for the message of a timeout ("sum gradient bucket"), and its <paramref name="index"/> of
    /// <paramref name="count"/> when there are several: formatted only then, so that a wait allocates nothing.</param>
    /// <param name="index">Which of <paramref name="count"/> exchanges, from 1.</param>
    /// <param name="count">Exchanges of this kind (0: one).</param>
    /// <exception cref="TimeoutException">It did not complete within <see cref="Timeout"/>.</exception>
    internal void Wait(long request, string what, int index = 0, int count = 0)
    {
        if (Communicator.Test(request)) return;
        var start = Stopwatch.GetTimestamp();
        var spinner = new SpinWait();
        while (!Communicator.Test(request))
        {
            spinner.SpinOnce(sleep1Threshold: -1);
            if (Stopwatch.GetElapsedTime(start) > _timeout) ThrowTimeout(count > 0 ? $"{what} {index} of {count}" : what);
        }
    }

    private void ThrowTimeout(string what) =>
        throw new TimeoutException(
            $"Rank {Rank} of {Size} waited {_timeout.TotalSeconds:0.#} s for the other ranks to {what}" +
            (Epoch > 0 ? $" (epoch {Epoch}, step {Step})" : "") +
            ": a rank has died or hangs (its launcher's output names a rank that died). Call Communicator.Abort to stop every rank.");
}
