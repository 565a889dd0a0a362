using System;
using System.Collections.Generic;
using System.Threading;

namespace Unroll.Tests.Distributed;

/// <summary>
/// Ranks as threads of one process, for testing <see cref="DataParallel"/> without MPI: the k-th sum every rank starts
/// is one operation, summed in rank order once the last rank has started it, so that every rank gets the same bits.
/// </summary>
internal sealed class LoopbackGroup
{
    private readonly object _gate = new();
    private readonly List<Operation> _operations = new();

    public LoopbackGroup(int size)
    {
        Ranks = new Member[size];
        for (var r = 0; r < size; r++) Ranks[r] = new Member(this, r, size);
    }

    public Member[] Ranks { get; }

    private sealed class Operation(int size)
    {
        public readonly Array?[] Values = new Array?[size];
        public readonly int[] Starts = new int[size];
        public int Count = -1, Arrived;
        public bool Done;
    }

    private long Start(int rank, Array values, int start, int count)
    {
        lock (_gate)
        {
            var index = Ranks[rank].Started++;
            while (_operations.Count <= index) _operations.Add(new Operation(Ranks.Length));
            var operation = _operations[index];
            if (operation.Count >= 0 && (operation.Count != count || operation.Values[0]?.GetType() is { } type && type != values.GetType()))
                throw new InvalidOperationException($"Rank {rank} started sum {index} with {count} values of {values.GetType().Name}; another rank with {operation.Count}.");
            operation.Count = count;
            operation.Values[rank] = values;
            operation.Starts[rank] = start;
            if (++operation.Arrived == Ranks.Length) Complete(operation);
            return index;
        }
    }

    private static void Complete(Operation operation)
    {
        for (var i = 0; i < operation.Count; i++)
        {
            if (operation.Values[0] is float[])
            {
                var sum = 0f;
                for (var r = 0; r < operation.Values.Length; r++) sum += ((float[])operation.Values[r]!)[operation.Starts[r] + i];
                for (var r = 0; r < operation.Values.Length; r++) ((float[])operation.Values[r]!)[operation.Starts[r] + i] = sum;
            }
            else
            {
                var sum = 0d;
                for (var r = 0; r < operation.Values.Length; r++) sum += ((double[])operation.Values[r]!)[operation.Starts[r] + i];
                for (var r = 0; r < operation.Values.Length; r++) ((double[])operation.Values[r]!)[operation.Starts[r] + i] = sum;
            }
        }
        operation.Done = true;
    }

    private bool Test(long request)
    {
        lock (_gate) return _operations[(int)request].Done;
    }

    public sealed class Member(LoopbackGroup group, int rank, int size) : ICommunicator
    {
        public int Started;
        public int Rank => rank;
        public int Size => size;
        public long StartSum(float[] values, int start, int count) => group.Start(rank, values, start, count);
        public long StartSum(double[] values, int start, int count) => group.Start(rank, values, start, count);
        public bool Test(long request) => group.Test(request);
        public void Abort(int exitCode) => throw new InvalidOperationException($"rank {rank} aborted with {exitCode}");
    }

    /// <summary>Runs <paramref name="body"/> on every rank, each on its own thread; returns what each returned or threw.</summary>
    public (T? Result, Exception? Error)[] Run<T>(Func<Member, T> body)
    {
        var results = new (T?, Exception?)[Ranks.Length];
        var threads = new Thread[Ranks.Length];
        for (var r = 0; r < Ranks.Length; r++)
        {
            var rank = Ranks[r];
            threads[r] = new Thread(() =>
            {
                try { results[rank.Rank] = (body(rank), null); }
                catch (Exception e) { results[rank.Rank] = (default, e); }
            });
            threads[r].Start();
        }
        foreach (var thread in threads) thread.Join();
        return results;
    }
}
