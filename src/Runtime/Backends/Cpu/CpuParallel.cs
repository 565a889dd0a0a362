using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Unroll;

/// <summary>A piece of work split into shares: <see cref="Run"/> is called once per share, on a pool thread or inline.</summary>
/// <remarks>Jobs are long-lived objects whose fields are set before each fork, so a fork allocates nothing.</remarks>
internal abstract class ParallelWork
{
    /// <summary>Does share <paramref name="worker"/> of <paramref name="workers"/>; its result must not depend on the thread that runs it.</summary>
    public abstract void Run(int worker, int workers);
}

/// <summary>
/// A tiny persistent fork/join pool. <see cref="System.Threading.Tasks.Parallel.For(int, int, Action{int})"/> allocates
/// on every call; this pool allocates only when it starts its threads. The calling thread is worker 0.
/// </summary>
/// <remarks>
/// Results never depend on timing: a kernel splits its work into a number of shares that is a function of its sizes and
/// <see cref="ThreadCount"/> alone, and <see cref="Run"/> runs exactly those shares, on the pool's threads when the pool
/// is free, or one after another on the calling thread when it is not (another thread holds it, or the kernel is nested
/// inside a job). Each share writes only its own outputs (its rows, its planes, its slot of partial sums), and the
/// caller combines partials in share order afterwards, so both ways give bit-identical results.
/// Jobs are per thread (<c>[ThreadStatic]</c>): a thread that runs its shares inline never touches another's job.
/// </remarks>
internal static class CpuParallel
{
    /// <summary>Threads a fork uses, the caller included.</summary>
    public static readonly int ThreadCount = Math.Clamp(Environment.ProcessorCount, 1, 64);

    private static readonly Worker[] Workers = CreateWorkers();
    private static int _busy;
    private static int _pending;
    private static ParallelWork? _work;
    private static ExceptionDispatchInfo? _failure;

    /// <summary>Bytes the worker threads had allocated when each last finished a job (for the zero-allocation tests).</summary>
    internal static long WorkerAllocatedBytes()
    {
        long total = 0;
        foreach (var worker in Workers) total += Volatile.Read(ref worker.AllocatedBytes);
        return total;
    }

    private static Worker[] CreateWorkers()
    {
        var workers = new Worker[ThreadCount - 1];
        for (int i = 0; i < workers.Length; i++) workers[i] = new Worker(i + 1);
        return workers;
    }

    /// <summary>Runs shares 0 … <paramref name="shares"/> − 1 of <paramref name="work"/> and returns when all are done:
    /// on the pool's threads (the caller runs share 0) when the pool is free, else all on the calling thread, in order.
    /// <paramref name="shares"/> is clamped to [1, <see cref="ThreadCount"/>]; it must not depend on timing.</summary>
    public static void Run(ParallelWork work, int shares)
    {
        shares = Math.Clamp(shares, 1, ThreadCount);
        if (shares == 1) { work.Run(0, 1); return; }
        SplitCalls++;
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int share = 0; share < shares; share++) work.Run(share, shares);
            return;
        }
        try { Fork(work, shares); }
        finally { Volatile.Write(ref _busy, 0); }
    }

    /// <summary>Calls of <see cref="Run"/> made on this thread that split their work into more than one share, forked or
    /// inline: the determinism tests check with it that their sizes are large enough to split.</summary>
    [ThreadStatic] internal static int SplitCalls;

    private static void Fork(ParallelWork work, int threads)
    {
        _work = work;
        _failure = null;
        Volatile.Write(ref _pending, threads - 1);
        for (int i = 0; i < threads - 1; i++) Workers[i].Start(threads);
        try
        {
            work.Run(0, threads);
        }
        finally
        {
            // The workers are running their shares, which end about when the caller's does: wait for them without
            // blocking, yielding the core in case one was descheduled.
            var wait = new SpinWait();
            while (Volatile.Read(ref _pending) != 0) wait.SpinOnce(sleep1Threshold: -1);
            _work = null;
        }
        _failure?.Throw();
    }

    /// <summary>Holds the pool until disposed, so that every kernel on any thread runs its shares inline meanwhile (tests
    /// compare the two ways). <see cref="Hold.IsHeld"/> is false when the pool was already busy.</summary>
    internal static Hold HoldPool() => new(Interlocked.CompareExchange(ref _busy, 1, 0) == 0);

    internal readonly struct Hold(bool held) : IDisposable
    {
        public bool IsHeld => held;
        public void Dispose() { if (held) Volatile.Write(ref _busy, 0); }
    }

    /// <summary>
    /// How long a worker polls for its next job before it blocks. Waking a blocked thread costs several microseconds (a
    /// futex call and a reschedule, more under a hypervisor): as much as a whole small kernel. Kernels come back to back
    /// during a forward or backward pass, so a worker that polls briefly after each job is usually still awake for the
    /// next one; after that it sleeps and costs nothing.
    /// </summary>
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 20_000; // 50 µs

    private sealed class Worker
    {
        // Wakes the worker once it has stopped polling. Waking a blocked thread allocates the first time a thread does
        // it (a few KB of wait machinery, once); the zero-allocation tests warm that path before they measure.
        private readonly AutoResetEvent _wake = new(false);
        private readonly int _index;
        private int _threads;
        private int _generation; // bumped by Start: one job per bump
        public long AllocatedBytes;

        public Worker(int index)
        {
            _index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Unroll CPU worker {index}" };
            thread.Start();
        }

        public void Start(int threads)
        {
            _threads = threads;
            Interlocked.Increment(ref _generation);
            _wake.Set(); // cheap when the worker is polling; a stale signal only costs it one extra look at the generation
        }

        private void Loop()
        {
            // One real blocking wait first, so that the wait machinery this thread needs is allocated now, not inside
            // the first job that happens to find it asleep.
            using (var once = new AutoResetEvent(false)) once.WaitOne(1);
            int seen = 0;
            while (true)
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                int current;
                while ((current = Volatile.Read(ref _generation)) == seen)
                {
                    if (System.Diagnostics.Stopwatch.GetTimestamp() - start < SpinTicks) Thread.SpinWait(8);
                    else _wake.WaitOne();
                }
                seen = current;
                try
                {
                    _work!.Run(_index, _threads);
                }
                catch (Exception e)
                {
                    _failure = ExceptionDispatchInfo.Capture(e);
                }
                Volatile.Write(ref AllocatedBytes, GC.GetAllocatedBytesForCurrentThread());
                Interlocked.Decrement(ref _pending);
            }
        }
    }
}
