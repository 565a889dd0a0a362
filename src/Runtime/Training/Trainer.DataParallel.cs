using System;
using System.Globalization;
using System.Text;
using System.Threading;

namespace Unroll;

// Fit's data-parallel steps (FitOptions.DataParallel): joining the ranks, one step on this rank's shard, and the
// exchange that ends each epoch. Every rank runs the same exchanges in the same order.
public sealed partial class Trainer<TNetwork>
{
    private GradientBuckets? _buckets;      // for _bucketsFor, built at the first data-parallel Fit
    private DataParallel? _bucketsFor;
    private double[]? _epochSums;           // the exchange at the end of each epoch
    private readonly double[] _stopSum = new double[1];

    /// <summary>
    /// Checks that every rank trains the same network the same way (rank 0's description against each rank's own),
    /// then copies rank 0's parameters and statistics to every rank, so that all start alike.
    /// </summary>
    private void JoinRanks(DataParallel parallel, Dataset data, int batchSize, FitOptions options)
    {
        var shard = (batchSize + parallel.Size - 1) / parallel.Size;
        if (shard > Network.Capacity)
            throw new ArgumentException(
                $"A batch of {batchSize} on {parallel.Size} ranks gives each rank up to {shard} samples, but this {typeof(TNetwork).Name} " +
                $"holds {Network.Capacity}: create it with a capacity of at least {shard}.", nameof(options));
        if (_bucketsFor != parallel)
        {
            _buckets = new GradientBuckets(parallel, Network);
            _bucketsFor = parallel;
            _epochSums = new double[2 + 2 * parallel.Size];
        }
        (parallel.Epoch, parallel.Step) = (0, 0);

        var description = Describe(data, batchSize, options);
        var text = Encoding.UTF8.GetBytes(description);
        var size = parallel.Size;
        // Every rank's description hash in its own two slots; rank 0's text after them, for the message (the others add zeros).
        var exchange = new double[2 * size + 1 + MaxDescriptionBytes];
        var hash = GradientBuckets.Hash(text);
        (exchange[2 * parallel.Rank], exchange[2 * parallel.Rank + 1]) = ((uint)(hash >> 32), (uint)hash);
        if (parallel.IsRoot)
        {
            var length = Math.Min(text.Length, MaxDescriptionBytes);
            exchange[2 * size] = length;
            for (var i = 0; i < length; i++) exchange[2 * size + 1 + i] = text[i];
        }
        parallel.Sum(exchange, "compare their networks");
        var rootText = new byte[(int)exchange[2 * size]];
        for (var i = 0; i < rootText.Length; i++) rootText[i] = (byte)exchange[2 * size + 1 + i];
        var differing = new StringBuilder();
        for (var r = 1; r < size; r++)
            if (exchange[2 * r] != exchange[0] || exchange[2 * r + 1] != exchange[1])
                differing.Append(differing.Length == 0 ? "" : ", ").Append(r.ToString(CultureInfo.InvariantCulture));
        if (differing.Length > 0)
        {
            var root = Encoding.UTF8.GetString(rootText);
            throw new InvalidOperationException(
                hash != ((ulong)exchange[0] << 32 | (ulong)exchange[1])
                    ? $"Rank {parallel.Rank} of {size} does not train what rank 0 trains, so their steps would not match. Here: {description}. On rank 0: {root}."
                    : $"Rank(s) {differing} of {size} do not train what rank 0 trains ({root}), so their steps would not match; their own errors say what they train.");
        }
        _buckets!.BroadcastValues(Network.Statistics);
    }

    private const int MaxDescriptionBytes = 2048;

    /// <summary>What every rank must agree on: the network, the loss and optimizer, the data and the run's options.</summary>
    private string Describe(Dataset data, int batchSize, FitOptions options)
    {
        var parameters = new StringBuilder();
        foreach (var parameter in Network.Parameters)
            parameters.Append(parameters.Length == 0 ? "" : ", ").Append(parameter.Name).Append(' ').Append(string.Join('×', parameter.Shape));
        return string.Create(CultureInfo.InvariantCulture,
            $"{typeof(TNetwork).FullName} with {TNetwork.ParameterCount:N0} parameters (summary hash {GradientBuckets.Hash(Encoding.UTF8.GetBytes(TNetwork.Summary)):x16}; " +
            $"parameter shapes hash {GradientBuckets.Hash(Encoding.UTF8.GetBytes(parameters.ToString())):x16}), loss {Loss.Name}, optimizer {Optimizer.Name} " +
            $"after {Optimizer.Steps} steps at learning rate {Optimizer.LearningRate:R}, {data.Count:N0} samples of {data.SampleSize} values, " +
            $"batch {batchSize}, epochs {options.InitialEpoch + 1} to {options.Epochs}, shuffle {(options.Shuffle ? "on" : "off")}, seed {options.Seed}, " +
            $"validation {(options.Validation is { } v ? v.Count.ToString("N0", CultureInfo.InvariantCulture) + " samples" : "none")}, " +
            $"early stopping {(options.EarlyStoppingPatience is { } p ? p + " epochs" : "off")}");
    }

    /// <summary>
    /// One step on this rank's shard of <paramref name="batch"/>: forward and loss, the backward pass with its gradients
    /// summed across ranks as it goes, then the optimizer step every rank takes alike. Returns the whole batch's mean
    /// loss and correct count. A non-finite loss on any rank skips the step on every rank; so does a cancelled token.
    /// </summary>
    private (float Loss, int Correct) DataParallelStep(DataParallel parallel, Dataset data, ReadOnlySpan<int> batch,
        AugmentationPass augmentation, CancellationToken cancellation)
    {
        var (start, end) = parallel.Share(batch.Length);
        var shard = batch[start..end];
        using var exclusive = Network.UseGuard.Enter("TrainStep");
        var (loss, hits) = shard.IsEmpty ? (0f, 0) : ForwardLoss(data, shard, training: true, augmentation);
        var contributes = !shard.IsEmpty && float.IsFinite(loss);
        var buckets = _buckets!;
        buckets.Begin((float)shard.Length / batch.Length, contributes, loss * shard.Length, hits, cancellation.IsCancellationRequested);
        if (contributes)
        {
            Network.GradientListener = buckets;
            try { Backward(shard.Length); }
            finally { Network.GradientListener = null; }
        }
        var (lossSum, correct, stop) = buckets.Finish();
        if (stop)
        {
            cancellation.ThrowIfCancellationRequested();
            throw new OperationCanceledException($"Another rank's training was cancelled (epoch {parallel.Epoch}, step {parallel.Step}): every rank stops at the same step, before updating the parameters.");
        }
        var mean = lossSum / batch.Length;
        if (float.IsFinite(mean)) Optimizer.Step(Network.Parameters);
        return (mean, correct);
    }

    /// <summary>
    /// The end of an epoch on every rank: each evaluates its share of <paramref name="validation"/>, and one exchange
    /// gives every rank the totals and each rank's parameter hash, which must agree.
    /// </summary>
    private Evaluation? EndEpochOnRanks(DataParallel parallel, Dataset? validation)
    {
        var sums = _epochSums!;
        Array.Clear(sums);
        if (validation is not null)
        {
            var (start, end) = parallel.Share(validation.Count);
            (sums[0], sums[1]) = Sums(validation, start, end);
        }
        var hash = _buckets!.HashValues();
        (sums[2 + 2 * parallel.Rank], sums[3 + 2 * parallel.Rank]) = ((uint)(hash >> 32), (uint)hash);
        parallel.Sum(sums, "end the epoch");
        for (var r = 1; r < parallel.Size; r++)
            if (sums[2 + 2 * r] != sums[2] || sums[3 + 2 * r] != sums[3])
                throw new InvalidOperationException(
                    $"After epoch {parallel.Epoch}, rank {r}'s parameters differ from rank 0's (hashes " +
                    $"{(ulong)sums[2 + 2 * r] << 32 | (ulong)sums[3 + 2 * r]:x16} and {(ulong)sums[2] << 32 | (ulong)sums[3]:x16}): " +
                    "the ranks' sums were not the same bits, or a rank's optimizer or schedule differs. Every rank stops here.");
        return validation is null ? null
            : new Evaluation((float)(sums[0] / validation.Count), Accuracy(validation, (int)sums[1], validation.Count), validation.Count);
    }

    /// <summary>
    /// Whether any rank asked to <see cref="StopTraining"/> by the end of this epoch's <see cref="FitOptions.OnEpoch"/>:
    /// every rank then ends after the same epoch, as one process would.
    /// </summary>
    private bool AnyRankStops(DataParallel parallel)
    {
        _stopSum[0] = _stopRequested ? 1 : 0;
        parallel.Sum(_stopSum, "agree whether to stop");
        return _stopSum[0] > 0;
    }
}
