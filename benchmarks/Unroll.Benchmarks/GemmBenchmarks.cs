using System;
using BenchmarkDotNet.Attributes;

namespace Unroll.Benchmarks;

/// <summary>
/// Square single-precision GEMM, C = A·B, on one thread and on all of them.
/// GFLOP/s = 2·N³ / time. Run: <c>dotnet run -c Release --project benchmarks/Unroll.Benchmarks -- --filter "*Gemm*" --job short --inProcess</c>.
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];

    [Params(256, 512, 1024)]
    public int N { get; set; }

    /// <summary>1 = the calling thread only; 0 = every worker.</summary>
    [Params(1, 0)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _a = new float[N * N]; _b = new float[N * N]; _c = new float[N * N];
        for (int i = 0; i < _a.Length; i++) { _a[i] = (float)rng.NextDouble(); _b[i] = (float)rng.NextDouble(); }
    }

    [Benchmark]
    public void Multiply() => Gemm.MultiplyParallel(false, false, N, N, N, 1f, _a, N, _b, N, 0f, _c, N, Threads);

    /// <summary>The Dense-forward shape: B transposed (weights stored [units, inputs]).</summary>
    [Benchmark]
    public void MultiplyTransposedB() => Gemm.MultiplyParallel(false, true, N, N, N, 1f, _a, N, _b, N, 0f, _c, N, Threads);
}
