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
