using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using Xunit;

namespace Unroll.Tests.Kernels;

/// <summary>
/// The determinism tests run alone (after the parallel ones): they hold the worker pool, which would otherwise make other
/// tests' kernels run inline meanwhile, and they keep every core busy.
/// </summary>
[CollectionDefinition(nameof(Determinism), DisableParallelization = true)]
public sealed class Determinism
{
    /// <summary>Holds the pool; the collection runs alone, so nothing else can hold it.</summary>
    internal static CpuParallel.Hold HoldPool()
    {
        var hold = CpuParallel.HoldPool();
        Assert.True(hold.IsHeld, "The worker pool was busy although the determinism tests run alone.");
        return hold;
    }

    /// <summary>Asserts two runs' outputs are bit-identical (NaN payloads included), naming the first value that differs.</summary>
    internal static void SameBits(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        var e = MemoryMarshal.Cast<float, int>(expected);
        var a = MemoryMarshal.Cast<float, int>(actual);
        if (e.SequenceEqual(a)) return;
        int i = 0;
        while (e[i] == a[i]) i++;
        Assert.Fail($"{what}[{i}]: expected {expected[i]:G9} (bits 0x{e[i]:X8}), got {actual[i]:G9} (bits 0x{a[i]:X8})");
    }
}

/// <summary>
/// Keeps every core busy until disposed: one child process per core spinning in a shell loop (other processes compete
/// for the cores as they would on a loaded machine), or spinning threads where there is no /bin/sh. Each loop also ends
/// by itself once this process is gone, so a crashed test run leaves nothing spinning.
/// </summary>
internal sealed class CpuHog : IDisposable
{
    private readonly List<Process> _processes = new();
    private readonly List<Thread> _threads = new();
    private volatile bool _stop;

    public CpuHog()
    {
        int count = Environment.ProcessorCount;
        if (!OperatingSystem.IsWindows() && System.IO.File.Exists("/bin/sh"))
        {
            for (int i = 0; i < count; i++)
            {
                var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add($"while kill -0 {Environment.ProcessId} 2>/dev/null; do :; done");
                _processes.Add(Process.Start(start) ?? throw new InvalidOperationException("Could not start /bin/sh for the CPU hog."));
            }
            return;
        }
        for (int i = 0; i < count; i++)
        {
            var thread = new Thread(() => { while (!_stop) Thread.SpinWait(1000); }) { IsBackground = true, Name = "CPU hog" };
            thread.Start();
            _threads.Add(thread);
        }
    }

    public void Dispose()
    {
        _stop = true;
        foreach (var process in _processes)
        {
            try { if (!process.HasExited) process.Kill(); process.WaitForExit(); }
            catch (InvalidOperationException) { } // already gone
            process.Dispose();
        }
        foreach (var thread in _threads) thread.Join();
    }
}

/// <summary>
/// Every threaded kernel gives bit-identical results whether its shares run on the pool's threads, inline on the calling
/// thread (the pool held elsewhere, as when another test or a nested kernel has it), on the pool while every core is
/// busy with other processes, or all on the caller because no worker ever started; and whatever its outputs and
/// workspace held before.
/// </summary>
[Collection(nameof(Determinism))]
public sealed class DeterminismTests
{
    public static IEnumerable<object[]> CaseNames() => DeterminismCases.All.Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Pool_free_held_and_under_load_give_the_same_bits(string name)
    {
        var kernel = DeterminismCases.Named(name);
        int splits = CpuParallel.SplitCalls;
        var free = kernel.Run(Garbage.Zeros);
        if (CpuParallel.ThreadCount > 1 && kernel.Splits)
            Assert.True(CpuParallel.SplitCalls > splits, $"{name}: too small to split across threads; the case tests nothing about threads.");

        (string Output, float[] Values)[] inline;
        using (Determinism.HoldPool()) inline = kernel.Run(Garbage.NaNs);
        (string Output, float[] Values)[] loaded;
        using (new CpuHog()) loaded = kernel.Run(Garbage.Random);
        (string Output, float[] Values)[] stalled;
        using (StallWorkers()) stalled = kernel.Run(Garbage.NaNs);

        for (int i = 0; i < free.Length; i++)
        {
            Determinism.SameBits($"{name}: {free[i].Output}, pool held", free[i].Values, inline[i].Values);
            Determinism.SameBits($"{name}: {free[i].Output}, under load", free[i].Values, loaded[i].Values);
            Determinism.SameBits($"{name}: {free[i].Output}, workers never scheduled", free[i].Values, stalled[i].Values);
        }
    }

    /// <summary>
    /// A fork whose workers the OS has not scheduled must not wait for them: the caller claims and runs every share
    /// itself, once each, and returns (were it to wait, this test would never end).
    /// </summary>
    [Fact]
    public void A_fork_whose_workers_never_start_is_finished_by_the_caller()
    {
        var job = new RecordingWork();
        using (StallWorkers())
            for (int round = 0; round < 100; round++) CpuParallel.Run(job, CpuParallel.ThreadCount);
        Assert.Equal(Enumerable.Repeat(100, CpuParallel.ThreadCount), job.Runs);
        Assert.Equal([Environment.CurrentManagedThreadId], job.Threads.Distinct());
    }

    private sealed class RecordingWork : ParallelWork
    {
        public readonly int[] Runs = new int[CpuParallel.ThreadCount];
        public readonly System.Collections.Concurrent.ConcurrentBag<int> Threads = new();

        public override void Run(int worker, int workers)
        {
            Interlocked.Increment(ref Runs[worker]);
            Threads.Add(Environment.CurrentManagedThreadId);
        }
    }

    private static Stalled StallWorkers()
    {
        CpuParallel.WorkersStalled = true;
        return new Stalled();
    }

    private readonly struct Stalled : IDisposable
    {
        public void Dispose() => CpuParallel.WorkersStalled = false;
    }

    /// <summary>
    /// GEMM splits C by whole tiles and every value of C sums its k products in the same order in any tile, so one thread
    /// and all give the same bits (the other kernels' thread-count claims in docs/design.md were checked by hand).
    /// </summary>
    [Fact]
    public void Gemm_gives_the_same_bits_on_one_thread_as_on_all()
    {
        var rng = new Random(7);
        foreach (var (ta, tb, m, n, k) in new[] { (false, false, 37, 203, 61), (true, false, 203, 37, 61), (false, true, 45, 230, 900), (true, true, 230, 45, 417) })
        {
            var a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
            var b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
            var c0 = Enumerable.Range(0, m * n).Select(_ => (float)rng.NextDouble()).ToArray();
            var (one, all) = ((float[])c0.Clone(), (float[])c0.Clone());
            int lda = ta ? m : k, ldb = tb ? k : n;
            Gemm.MultiplyParallel(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 1f, one, n, maxThreads: 1);
            int splits = CpuParallel.SplitCalls;
            Gemm.MultiplyParallel(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 1f, all, n);
            if (CpuParallel.ThreadCount > 1) Assert.True(CpuParallel.SplitCalls > splits, $"{m}×{n}×{k} did not split");
            Determinism.SameBits($"gemm ta {ta} tb {tb} {m}×{n}×{k}", one, all);
        }
    }
}
