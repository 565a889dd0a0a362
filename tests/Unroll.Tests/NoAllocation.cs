using System;
using Xunit;

namespace Unroll.Tests;

[CollectionDefinition(nameof(NoAllocation), DisableParallelization = true)]
public class NoAllocationCollection;

/// <summary>
/// Asserts that an action, once warm, allocates nothing, threading included. Two measurements: the bytes allocated by
/// the calling thread and by the CPU backend's worker threads (exact), and GC.GetTotalAllocatedBytes over the whole
/// process. The test host's own threads allocate now and then (a console run of the same loops measures 0 bytes every
/// time, see AllocProbe in the benchmarks), so the process-wide figure is the minimum over short attempts: an
/// allocation of ours would show in every attempt. Tests using this belong to the collection of the same name, which
/// runs alone so that no other test allocates meanwhile.
/// </summary>
internal static class NoAllocation
{
    public static void Assert(Action action)
    {
        for (int i = 0; i < 3; i++) action(); // warm-up: packing buffers, worker threads, JIT
        long thread = GC.GetAllocatedBytesForCurrentThread(), workers = CpuParallel.WorkerAllocatedBytes();
        for (int i = 0; i < 5; i++) action();
        Xunit.Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - thread);
        Xunit.Assert.Equal(0, CpuParallel.WorkerAllocatedBytes() - workers);

        long best = long.MaxValue;
        for (int attempt = 0; attempt < 20 && best > 0; attempt++)
        {
            long before = GC.GetTotalAllocatedBytes(true);
            action();
            best = Math.Min(best, GC.GetTotalAllocatedBytes(true) - before);
        }
        Xunit.Assert.Equal(0, best);
    }
}
