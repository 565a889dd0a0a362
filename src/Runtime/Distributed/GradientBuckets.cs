using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Unroll;

/// <summary>
/// A network's gradients in buckets for <see cref="DataParallel"/>: parameters are packed from the last to the first,
/// the order in which the backward pass completes them, into buckets of about <see cref="DataParallel.BucketBytes"/>.
/// A bucket's sum across ranks starts as soon as its last parameter is ready, and buckets start in bucket order on every
/// rank, which a sum needs. Each rank puts in its gradient scaled by its share of the batch, so the sums are the
/// gradient of the whole batch's mean loss. Allocated once; a step allocates nothing.
/// </summary>
internal sealed class GradientBuckets : IGradientListener
{
    /// <summary>Values the first bucket carries after its gradients: the shard's loss sum, its correct count, a stop request.</summary>
    private const int ExtraCount = 3;

    private readonly DataParallel _parallel;
    private readonly IBackend _backend;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly Bucket[] _buckets;     // in start order: bucket 0 holds the last parameters
    private readonly int[] _bucketOf;       // per parameter
    private readonly int[] _offsetOf;       // per parameter: where its values start in its bucket
    private readonly bool[] _taken;         // per parameter: in its bucket this step
    private int _started;                   // buckets started this step, in order
    private float _weight;                  // this rank's share of the batch
    private bool _contributes;              // false when this rank computed no gradient (no samples, or a non-finite loss)

    private sealed class Bucket(int length)
    {
        public readonly float[] Values = GC.AllocateArray<float>(length, pinned: true);
        public int Waiting;                 // its parameters not yet ready this step
        public int ParameterCount;
        public long Request;
        public bool Done;
    }

    public GradientBuckets(DataParallel parallel, INetwork network)
    {
        _parallel = parallel;
        _backend = network.Backend;
        _parameters = network.Parameters;
        _bucketOf = new int[_parameters.Count];
        _offsetOf = new int[_parameters.Count];
        _taken = new bool[_parameters.Count];
        var capacity = Math.Max(1, parallel.BucketBytes / sizeof(float));
        var lengths = new List<int>();
        int length = ExtraCount, members = 0;  // the first bucket's extras come first
        for (var p = _parameters.Count - 1; p >= 0; p--)
        {
            var size = _parameters[p].Length;
            if (members > 0 && length + size > capacity)
            {
                lengths.Add(length);
                (length, members) = (0, 0);
            }
            _bucketOf[p] = lengths.Count;
            _offsetOf[p] = length;
            length += size;
            members++;
        }
        lengths.Add(length);
        _buckets = new Bucket[lengths.Count];
        for (var b = 0; b < _buckets.Length; b++) _buckets[b] = new Bucket(lengths[b]);
        foreach (var b in _bucketOf) _buckets[b].ParameterCount++;
    }

    /// <summary>Buckets per step.</summary>
    public int Count => _buckets.Length;

    /// <summary>Gradient values summed per step, the same on every rank.</summary>
    public long Values
    {
        get
        {
            long total = 0;
            foreach (var parameter in _parameters) total += parameter.Length;
            return total;
        }
    }

    /// <summary>
    /// Readies a step: this rank's share of the batch, and what its shard gave, which travel with the first bucket.
    /// Without <paramref name="contributes"/>, this rank adds zeros and <see cref="Finish"/> starts every bucket.
    /// </summary>
    public void Begin(float weight, bool contributes, float lossSum, int correct, bool stopRequested)
    {
        _weight = weight;
        _contributes = contributes;
        _started = 0;
        Array.Clear(_taken);
        foreach (var bucket in _buckets)
        {
            bucket.Waiting = bucket.ParameterCount;
            bucket.Done = false;
        }
        var extras = _buckets[0].Values;
        extras[0] = lossSum;
        extras[1] = correct;
        extras[2] = stopRequested ? 1 : 0;
    }

    /// <inheritdoc/>
    public void GradientsReady(int firstParameter, int count)
    {
        if (!_contributes) return;
        for (var p = firstParameter; p < firstParameter + count; p++) Take(p, zeros: false);
        StartReady();
        // MPI makes progress on a started sum only inside its calls: poke the ones in flight.
        for (var b = 0; b < _started; b++)
            if (!_buckets[b].Done) _buckets[b].Done = _parallel.Communicator.Test(_buckets[b].Request);
    }

    /// <summary>Copies one parameter's gradient into its bucket, scaled by this rank's share, or zeros; once a step.</summary>
    private void Take(int p, bool zeros)
    {
        if (_taken[p]) return;
        _taken[p] = true;
        var parameter = _parameters[p];
        var bucket = _buckets[_bucketOf[p]];
        var values = bucket.Values.AsSpan(_offsetOf[p], parameter.Length);
        if (zeros) values.Clear();
        else
        {
            _backend.Download(parameter.Gradient, 0, values);
            if (_weight != 1f) TensorPrimitives.Multiply(values, _weight, values);
        }
        bucket.Waiting--;
    }

    /// <summary>Starts, in order, every bucket whose parameters are all ready.</summary>
    private void StartReady()
    {
        while (_started < _buckets.Length && _buckets[_started].Waiting == 0)
        {
            var bucket = _buckets[_started];
            bucket.Request = _parallel.Communicator.StartSum(bucket.Values, 0, bucket.Values.Length);
            _started++;
        }
    }

    /// <summary>
    /// After the backward pass: starts what is left (zeros, where this rank has no gradient; a network that does not
    /// report gradients has every bucket left), waits for every sum, and writes the summed gradients back.
    /// </summary>
    /// <returns>The batch's loss sum and correct count over every rank, and whether any rank asked to stop.</returns>
    public (float LossSum, int Correct, bool StopRequested) Finish()
    {
        for (var p = _parameters.Count - 1; p >= 0; p--) Take(p, zeros: !_contributes);
        StartReady();
        for (var b = 0; b < _buckets.Length; b++)
            if (!_buckets[b].Done) _parallel.Wait(_buckets[b].Request, "sum gradient bucket", b + 1, _buckets.Length);
        for (var p = 0; p < _parameters.Count; p++)
            _backend.Upload(_buckets[_bucketOf[p]].Values.AsSpan(_offsetOf[p], _parameters[p].Length), _parameters[p].Gradient);
        var extras = _buckets[0].Values;
        return (extras[0], (int)extras[1], extras[2] != 0);
    }

    /// <summary>A hash of every parameter's values, to check that the ranks still hold the same bits (reads them through the buckets).</summary>
    public ulong HashValues()
    {
        var hash = Hash([]);
        for (var p = 0; p < _parameters.Count; p++)
        {
            var values = _buckets[_bucketOf[p]].Values.AsSpan(_offsetOf[p], _parameters[p].Length);
            _backend.Download(_parameters[p].Value, 0, values);
            hash = Hash(MemoryMarshal.AsBytes(values), hash);
        }
        return hash;
    }

    /// <summary>FNV-1a, 64 bits, continuing from <paramref name="hash"/>: the same on every machine (string.GetHashCode is seeded per process).</summary>
    public static ulong Hash(ReadOnlySpan<byte> bytes, ulong hash = 14695981039346656037UL)
    {
        foreach (var b in bytes) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    /// <summary>
    /// Copies rank 0's parameter values to every rank, bucket by bucket (a sum to which the other ranks add zeros), and
    /// then <paramref name="statistics"/> likewise.
    /// </summary>
    public void BroadcastValues(IReadOnlyList<Parameter> statistics)
    {
        for (var b = 0; b < _buckets.Length; b++)
        {
            var values = _buckets[b].Values;
            Array.Clear(values);
            if (_parallel.IsRoot)
                for (var p = 0; p < _parameters.Count; p++)
                    if (_bucketOf[p] == b) _backend.Download(_parameters[p].Value, 0, values.AsSpan(_offsetOf[p], _parameters[p].Length));
            _parallel.Sum(values, 0, values.Length, "send rank 0's parameters");
            for (var p = 0; p < _parameters.Count; p++)
                if (_bucketOf[p] == b) _backend.Upload(values.AsSpan(_offsetOf[p], _parameters[p].Length), _parameters[p].Value);
        }
        foreach (var statistic in statistics)
        {
            var values = GC.AllocateArray<float>(statistic.Length, pinned: true);
            if (_parallel.IsRoot) _backend.Download(statistic.Value, 0, values);
            _parallel.Sum(values, 0, values.Length, "send rank 0's " + statistic.Name);
            _backend.Upload(values, statistic.Value);
        }
    }
}
