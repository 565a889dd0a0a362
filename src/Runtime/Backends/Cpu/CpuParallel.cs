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
/// on every call; this pool allocates only when it starts its threads. The calling thread takes part.
/// </summary>
/// <remarks>
/// <para>Results never depend on timing: a kernel splits its work into a number of shares that is a function of its sizes
/// and <see cref="ThreadCount"/> alone, and <see cref="Run"/> runs exactly those shares, each exactly once. Each share
/// writes only its own outputs (its rows, its planes, its slot of partial sums, indexed by the share, never by the
/// thread), and the caller combines partials in share order afterwards, so it does not matter which thread runs which
/// share, or whether one thread runs them all.</para>
/// <para>Shares are claimed, not assigned: the caller and the woken workers each take the next unclaimed share until none
/// is left. A worker that the OS has not yet scheduled (on a busy machine it may wait milliseconds) therefore never stalls
/// the caller, which simply runs the shares that worker would have taken; the caller waits only for shares already under
/// way. When the pool is taken (another thread holds it, or the kernel is nested inside a job) the caller runs every
/// share itself, in order. Jobs are per thread (<c>[ThreadStatic]</c>): a thread that runs its shares inline never
/// touches another's job.</para>
/// </remarks>
internal static class CpuParallel
{
    /// <summary>Threads a fork uses, the caller included.</summary>
    public static readonly int ThreadCount = Math.Clamp(Environment.ProcessorCount, 1, 64);

    private static readonly Worker[] Workers = CreateWorkers();
    private static int _busy;

    // The job under way. _claim packs the job's generation (high 32 bits) with the next unclaimed share (low 32 bits):
    // a claim is one compare-and-swap on it, so a worker that read a job's fields and then lost the race to the next
    // job cannot claim a share of either (its swap fails: the generation moved). While the caller fills in a new job,
    // the share index is Closed.
    private static long _claim;
    private static ParallelWork? _work;
    private static int _shares;
    private static int _finished;
    private static ExceptionDispatchInfo? _failure;
    private const int Closed = int.MaxValue;

    /// <summary>Tests only: while set, woken workers claim nothing, as if the OS had not scheduled them.</summary>
    internal static volatile bool WorkersStalled;

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
    /// shared between the caller and the pool's threads when the pool is free, else all on the calling thread, in order.
    /// <paramref name="shares"/> is clamped to [1, <see cref="ThreadCount"/>]; it must not depend on timing.</summary>
    public static void Run(ParallelWork work, int shares)
    {
        shares = Math.Clamp(shares, 1, ThreadCount);
        if (shares == 1) { work.Run(0, 1); return; }
        SplitCalls++;
        if (System.Diagnostics.Stopwatch.GetTimestamp() < Volatile.Read(ref _soloUntil) || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int share = 0; share < shares; share++) work.Run(share, shares);
            return;
        }
        try { Fork(work, shares); }
        finally { Volatile.Write(ref _busy, 0); }
    }

    /// <summary>
    /// Until this time stamp, forks run on the calling thread alone, because a recent one waited long for a worker: on a
    /// machine whose cores other processes keep busy, a worker that has claimed a share and is then descheduled holds the
    /// caller for a whole time slice (milliseconds), so for a while it is faster not to fork at all. Which thread runs a
    /// share never changes a result, so this changes speed only.
    /// </summary>
    private static long _soloUntil;

    /// <summary>A wait for workers longer than this and than the caller's own shares took (a descheduled thread, not a
    /// VM's tens-of-microsecond pauses nor a large kernel's uneven split) …</summary>
    private static readonly long StalledTicks = System.Diagnostics.Stopwatch.Frequency / 5_000; // 200 µs

    /// <summary>… makes forks run on the caller alone for this long (a few time slices), after which they fork again.</summary>
    private static readonly long SoloTicks = System.Diagnostics.Stopwatch.Frequency / 100; // 10 ms

    /// <summary>Calls of <see cref="Run"/> made on this thread that split their work into more than one share, forked or
    /// inline: the determinism tests check with it that their sizes are large enough to split.</summary>
    [ThreadStatic] internal static int SplitCalls;

    private static void Fork(ParallelWork work, int shares)
    {
        long generation = (Volatile.Read(ref _claim) >> 32) + 1;
        Interlocked.Exchange(ref _claim, (generation << 32) | Closed); // a full fence: visible before the job's fields change
        _work = work;
        _shares = shares;
        _failure = null;
        Volatile.Write(ref _finished, 0);
        Volatile.Write(ref _claim, generation << 32); // open: shares 0 … shares − 1 may now be claimed
        for (int i = 0; i < shares - 1; i++) Workers[i].Wake();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            RunShares();
        }
        finally
        {
            // Every share is claimed by now; wait for those a worker is still running, without blocking, yielding the
            // core in case that worker was descheduled.
            if (Volatile.Read(ref _finished) != shares)
            {
                long waitStart = System.Diagnostics.Stopwatch.GetTimestamp();
                var wait = new SpinWait();
                while (Volatile.Read(ref _finished) != shares) wait.SpinOnce(sleep1Threshold: -1);
                // A stall, not an uneven split: the wait outlasted both the threshold and all the work the caller did.
                long end = System.Diagnostics.Stopwatch.GetTimestamp(), waited = end - waitStart;
                if (waited > StalledTicks && waited > waitStart - start) Volatile.Write(ref _soloUntil, end + SoloTicks);
            }
            _work = null;
        }
        _failure?.Throw();
    }

    /// <summary>Claims and runs shares of the job under way until none is left.</summary>
    private static void RunShares()
    {
        while (true)
        {
            long claim = Volatile.Read(ref _claim);
            int share = (int)(claim & 0xFFFF_FFFF);
            var work = Volatile.Read(ref _work);
            int shares = Volatile.Read(ref _shares);
            if (share >= shares || work is null) return;
            if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) != claim) continue;
            // The swap succeeded, so the job was still the one whose fields were read: run its share.
            try
            {
                work.Run(share, shares);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }
            Interlocked.Increment(ref _finished);
        }
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
        private int _generation; // bumped by Wake: look for shares once per bump
        public long AllocatedBytes;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Unroll CPU worker {index}" };
            thread.Start();
        }

        public void Wake()
        {
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
                // Woken late, the job may be finished (the caller took every share) or another under way: claiming
                // sorts it out, since only an open share of the current job can be claimed.
                if (!WorkersStalled) RunShares();
                Volatile.Write(ref AllocatedBytes, GC.GetAllocatedBytesForCurrentThread());
            }
        }
    }
}
