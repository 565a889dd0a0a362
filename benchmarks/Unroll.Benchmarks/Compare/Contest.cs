using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace Unroll.Benchmarks.Compare;

/// <summary>
/// One way of running a case: a name, the call to time, what to do before timing it (e.g. set threads), and whether
/// its worker threads keep spinning after a call (then a <see cref="Cooldown"/> follows each of its batches).
/// </summary>
internal sealed record Contestant(string Name, Action Call, Action? Prepare = null, bool SpinsAfter = false);

/// <summary>
/// libtorch on several threads leaves its OpenMP workers spinning for a while after each call, and ONNX Runtime's
/// intra-op pool spins likewise; they would steal a core from whatever is timed next. Such contestants are followed by
/// this pause, outside any timing.
/// </summary>
internal static class Cooldown
{
    public static readonly TimeSpan AfterPeer = TimeSpan.FromMilliseconds(100);
}

/// <summary>
/// Times several contestants alternately: after a warm-up (so that .NET's tiered compilation has finished and libtorch
/// has its buffers), each round times a batch of calls of every contestant in turn, so that the host's drift touches them
/// alike; the figure is the median over rounds of the time per call.
/// </summary>
internal static class Contest
{
    public sealed record Result(string Name, double SecondsPerCall, long AllocatedBytesPerCall);

    public static Result[] Run(IReadOnlyList<Contestant> contestants, int rounds, double secondsPerBatch, double warmUpSeconds)
    {
        var callsPerBatch = new int[contestants.Count];
        for (var c = 0; c < contestants.Count; c++)
        {
            contestants[c].Prepare?.Invoke();
            var watch = Stopwatch.StartNew();
            var calls = 0;
            do { contestants[c].Call(); calls++; } while (watch.Elapsed.TotalSeconds < warmUpSeconds || calls < 2);
            var perCall = watch.Elapsed.TotalSeconds / calls;
            callsPerBatch[c] = Math.Max(1, (int)(secondsPerBatch / perCall));
        }

        var times = new double[contestants.Count][];
        var allocated = new long[contestants.Count];
        for (var c = 0; c < contestants.Count; c++) times[c] = new double[rounds];
        for (var round = 0; round < rounds; round++)
        {
            for (var c = 0; c < contestants.Count; c++)
            {
                var contestant = contestants[c];
                contestant.Prepare?.Invoke();
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var start = Stopwatch.GetTimestamp();
                for (var i = 0; i < callsPerBatch[c]; i++) contestant.Call();
                var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
                allocated[c] = Math.Max(allocated[c], (GC.GetTotalAllocatedBytes(precise: true) - before) / callsPerBatch[c]);
                times[c][round] = elapsed / callsPerBatch[c];
                if (contestant.SpinsAfter) System.Threading.Thread.Sleep(Cooldown.AfterPeer);
            }
        }

        var results = new Result[contestants.Count];
        for (var c = 0; c < contestants.Count; c++)
        {
            Array.Sort(times[c]);
            results[c] = new Result(contestants[c].Name, times[c][rounds / 2], allocated[c]);
        }
        return results;
    }
}
