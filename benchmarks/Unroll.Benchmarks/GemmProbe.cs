using System;
using System.Diagnostics;

namespace Unroll.Benchmarks;

/// <summary>A quick Stopwatch measurement of GEMM throughput: <c>dotnet run -c Release --project benchmarks/Unroll.Benchmarks -- gemm-probe</c>.
/// Prints the median GFLOP/s of several repetitions for square sizes on 1 and on all threads, alternating so that host drift affects both alike.</summary>
public static class GemmProbe
{
    public static void Run(string[] args)
    {
        int[] sizes = args.Length > 1 ? Array.ConvertAll(args[1].Split(','), int.Parse) : [256, 512, 1024];
        bool ta = args.Length > 2 && args[2].Contains('T');
        bool tb = args.Length > 2 && args[2].EndsWith('T');
        Console.WriteLine($"kernel {Gemm.DefaultKernel}, {Environment.ProcessorCount} cores, transA {ta} transB {tb}");
        foreach (int n in sizes)
        {
            var rng = new Random(1);
            var a = new float[n * n]; var b = new float[n * n]; var c = new float[n * n];
            for (int i = 0; i < a.Length; i++) { a[i] = (float)rng.NextDouble() - 0.5f; b[i] = (float)rng.NextDouble() - 0.5f; }
            double flops = 2.0 * n * n * n;
            int reps = Math.Max(3, (int)(2e9 / flops));
            var t1 = new double[7]; var t2 = new double[7];
            for (int round = 0; round < 7; round++)
            {
                t1[round] = Time(1); t2[round] = Time(0);
            }
            Array.Sort(t1); Array.Sort(t2);
            Console.WriteLine($"{n,5}: 1 thread {flops / t1[3] / 1e9,7:F1} GFLOP/s   all threads {flops / t2[3] / 1e9,7:F1} GFLOP/s   ({t1[3] * 1e3:F3} / {t2[3] * 1e3:F3} ms)");

            double Time(int threads)
            {
                Gemm.MultiplyParallel(ta, tb, n, n, n, 1f, a, n, b, n, 0f, c, n, threads);
                var sw = Stopwatch.StartNew();
                for (int r = 0; r < reps; r++) Gemm.MultiplyParallel(ta, tb, n, n, n, 1f, a, n, b, n, 0f, c, n, threads);
                return sw.Elapsed.TotalSeconds / reps;
            }
        }
    }
}

public static class AllocProbe
{
    public static void Run()
    {
        const int n = 512;
        var a = new float[n * n]; var b = new float[n * n]; var c = new float[n * n];
        for (int i = 0; i < 5; i++) Gemm.MultiplyParallel(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetTotalAllocatedBytes(true);
            for (int i = 0; i < 20; i++) Gemm.MultiplyParallel(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
            Console.WriteLine($"gemm x20: {GC.GetTotalAllocatedBytes(true) - before} bytes");
            before = GC.GetTotalAllocatedBytes(true);
            System.Threading.Thread.Sleep(50);
            Console.WriteLine($"idle 50 ms: {GC.GetTotalAllocatedBytes(true) - before} bytes");
        }
    }
}

/// <summary>Measures one core's FMA peak: 16 independent Vector512 FMA chains (latency 4 × 2 pipes needs ≥ 8).</summary>
public static class PeakProbe
{
    public static void Run()
    {
        for (int round = 0; round < 5; round++)
        {
            const int iterations = 20_000_000;
            var sw = Stopwatch.StartNew();
            float r = Chains(iterations);
            double seconds = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"one core: {16.0 * 16 * 2 * iterations / seconds / 1e9:F1} GFLOP/s (checksum {r})");
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static float Chains(int iterations)
    {
        var m = System.Runtime.Intrinsics.Vector512.Create(0.999999f);
        var add = System.Runtime.Intrinsics.Vector512.Create(1e-7f);
        System.Runtime.Intrinsics.Vector512<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m,
            a8 = m, a9 = m, a10 = m, a11 = m, a12 = m, a13 = m, a14 = m, a15 = m;
        for (int i = 0; i < iterations; i++)
        {
            a0 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a0, m, add); a1 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a1, m, add);
            a2 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a2, m, add); a3 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a3, m, add);
            a4 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a4, m, add); a5 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a5, m, add);
            a6 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a6, m, add); a7 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a7, m, add);
            a8 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a8, m, add); a9 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a9, m, add);
            a10 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a10, m, add); a11 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a11, m, add);
            a12 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a12, m, add); a13 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a13, m, add);
            a14 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a14, m, add); a15 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a15, m, add);
        }
        var s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15;
        return System.Runtime.Intrinsics.Vector512.Sum(s);
    }
}
