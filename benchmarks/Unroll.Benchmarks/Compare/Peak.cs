using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace Unroll.Benchmarks.Compare;

/// <summary>
/// The processor's single-precision peak, measured: every core runs independent FMA chains (enough to cover the FMA
/// latency on two pipes: 16 of Vector512, or 12 of Vector256, which with their two constants fit AVX2's 16 registers;
/// 16 spilled there and measured a peak below what GEMM reaches) at the widest vector width the machine accelerates,
/// all at once; the median of a few runs.
/// </summary>
internal static class Peak
{
    /// <summary>Iterations of one <see cref="RunAllCores"/> call: about 20 ms at 3 GHz, so starting the threads is noise.</summary>
    public const int Iterations = 4_000_000;

    /// <summary>Floating-point operations one <see cref="RunAllCores"/> call performs on <paramref name="threads"/> threads.</summary>
    public static double Flops(int threads) =>
        (double)threads * (Vector512.IsHardwareAccelerated ? 16 * Vector512<float>.Count : 12 * Vector256<float>.Count) * 2 * Iterations;

    /// <summary>Median over <paramref name="rounds"/> runs of the FMA chains on <paramref name="threads"/> threads, in GFLOP/s.</summary>
    public static double MeasureGflops(int threads, int rounds = 5)
    {
        var rates = new double[rounds];
        for (var round = 0; round < rounds; round++)
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            RunAllCores(threads);
            rates[round] = Flops(threads) / System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
        }
        Array.Sort(rates);
        return rates[rounds / 2];
    }

    /// <summary>Runs the FMA chains on <paramref name="threads"/> threads at once (one per core); returns when all finish.</summary>
    public static void RunAllCores(int threads)
    {
        var workers = new Thread[threads];
        using var start = new Barrier(threads);
        for (var t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                if (Vector512.IsHardwareAccelerated) Chains512(Iterations); else Chains256(Iterations);
            });
            workers[t].Start();
        }
        foreach (var worker in workers) worker.Join();
    }

    /// <summary>Nominal peak from /proc/cpuinfo's clock (often the base clock under a hypervisor), or null if unknown.</summary>
    public static (double Gflops, double Mhz, int FlopsPerCycle)? Nominal(int cores)
    {
        var mhz = MachineInfo.ClockMhz();
        if (mhz is null) return null;
        // Two FMA pipes on Zen 4/5 and recent Intel cores; each FMA is two flops per lane.
        var flopsPerCycle = 2 * 2 * (Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4);
        return (cores * mhz.Value * 1e-3 * flopsPerCycle, mhz.Value, flopsPerCycle);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // no tier-0 or OSR code in the timing
    private static int Chains512(int iterations)
    {
        var m = Vector512.Create(0.999999f);
        var add = Vector512.Create(1e-7f);
        Vector512<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m, a12 = m, a13 = m, a14 = m, a15 = m;
        for (var i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, add); a1 = Vector512.FusedMultiplyAdd(a1, m, add);
            a2 = Vector512.FusedMultiplyAdd(a2, m, add); a3 = Vector512.FusedMultiplyAdd(a3, m, add);
            a4 = Vector512.FusedMultiplyAdd(a4, m, add); a5 = Vector512.FusedMultiplyAdd(a5, m, add);
            a6 = Vector512.FusedMultiplyAdd(a6, m, add); a7 = Vector512.FusedMultiplyAdd(a7, m, add);
            a8 = Vector512.FusedMultiplyAdd(a8, m, add); a9 = Vector512.FusedMultiplyAdd(a9, m, add);
            a10 = Vector512.FusedMultiplyAdd(a10, m, add); a11 = Vector512.FusedMultiplyAdd(a11, m, add);
            a12 = Vector512.FusedMultiplyAdd(a12, m, add); a13 = Vector512.FusedMultiplyAdd(a13, m, add);
            a14 = Vector512.FusedMultiplyAdd(a14, m, add); a15 = Vector512.FusedMultiplyAdd(a15, m, add);
        }
        Sink = Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15);
        return Vector512<float>.Count;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // no tier-0 or OSR code in the timing
    private static int Chains256(int iterations)
    {
        var m = Vector256.Create(0.999999f);
        var add = Vector256.Create(1e-7f);
        Vector256<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (var i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, add); a1 = Vector256.FusedMultiplyAdd(a1, m, add);
            a2 = Vector256.FusedMultiplyAdd(a2, m, add); a3 = Vector256.FusedMultiplyAdd(a3, m, add);
            a4 = Vector256.FusedMultiplyAdd(a4, m, add); a5 = Vector256.FusedMultiplyAdd(a5, m, add);
            a6 = Vector256.FusedMultiplyAdd(a6, m, add); a7 = Vector256.FusedMultiplyAdd(a7, m, add);
            a8 = Vector256.FusedMultiplyAdd(a8, m, add); a9 = Vector256.FusedMultiplyAdd(a9, m, add);
            a10 = Vector256.FusedMultiplyAdd(a10, m, add); a11 = Vector256.FusedMultiplyAdd(a11, m, add);
        }
        Sink = Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        return Vector256<float>.Count;
    }

    /// <summary>Keeps the chains' result alive so the JIT cannot drop them.</summary>
    public static float Sink;
}
