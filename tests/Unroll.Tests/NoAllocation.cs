using System;
using System.Diagnostics;
using Xunit;

namespace Unroll.Tests;

[CollectionDefinition(nameof(NoAllocation), DisableParallelization = true)]
public class NoAllocationCollection;

/// <summary>
/// Asserts that an action, once warm, allocates nothing, threading included. The exact measurement: bytes allocated by
/// the calling thread and by the CPU backend's worker threads, the only threads our code runs on. A second, coarser net
/// for short actions: GC.GetTotalAllocatedBytes over the whole process, whose test-host threads allocate now and then
/// (a console run of the same loops measures 0 bytes every time, see AllocProbe in the benchmarks), so it takes the
/// minimum over short attempts: an allocation of ours would show in every attempt. Actions that take longer than a few
/// milliseconds (a ResNet step) always overlap some host allocation, so for them only the exact measurement applies.
/// Tests using this belong to the collection of the same name, which runs alone so that no other test allocates meanwhile.
/// </summary>
internal static class NoAllocation
{
    public static void Assert(Action action, int warmUps = 3, int runs = 5)
    {
        // Packing buffers, worker threads, JIT. The pause after each warm-up lets the pool's workers stop polling and
        // block, so that waking a blocked worker (whose wait machinery allocates once per thread) is warmed too, not only
        // handing work to a polling one.
        for (var i = 0; i < warmUps; i++) { action(); System.Threading.Thread.Sleep(2); }
        // Up to three measured rounds, keeping the least: an allocation of ours happens in every run, so it shows in every
        // round, while a once-per-thread one (a worker woken from a block for the first time, when timing on a busy
        // machine first makes it block inside a measured run) shows in one round only.
        long threadBytes = long.MaxValue, workerBytes = long.MaxValue;
        var perRun = TimeSpan.Zero;
        for (var round = 0; round < 3 && (threadBytes > 0 || workerBytes > 0); round++)
        {
            long thread = GC.GetAllocatedBytesForCurrentThread(), workers = CpuParallel.WorkerAllocatedBytes();
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < runs; i++) action();
            perRun = Stopwatch.GetElapsedTime(start) / runs;
            threadBytes = Math.Min(threadBytes, GC.GetAllocatedBytesForCurrentThread() - thread);
            workerBytes = Math.Min(workerBytes, CpuParallel.WorkerAllocatedBytes() - workers);
        }
        Xunit.Assert.Equal(0, threadBytes);
        Xunit.Assert.Equal(0, workerBytes);
        if (perRun > TimeSpan.FromMilliseconds(20)) return;

        var best = long.MaxValue;
        for (var attempt = 0; attempt < 20 && best > 0; attempt++)
        {
            var before = GC.GetTotalAllocatedBytes(true);
            action();
            best = Math.Min(best, GC.GetTotalAllocatedBytes(true) - before);
        }
        Xunit.Assert.Equal(0, best);
    }
}
