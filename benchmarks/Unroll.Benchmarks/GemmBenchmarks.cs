using System;
using System.Collections.Generic;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Unroll.Benchmarks.Torch;

namespace Unroll.Benchmarks;

/// <summary>
/// Square single-precision GEMM, C = A·B, on one thread and on all of them, with libtorch's <c>torch.mm</c> beside it; the
/// GFLOP/s column is 2·N³ / mean time. Run:
/// <c>dotnet run -c Release --project benchmarks/Unroll.Benchmarks -- --filter "*GemmBenchmarks*"</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private TorchSharp.torch.Tensor _ta = null!, _tb = null!;

    [Params(256, 512, 1024)]
    public int N { get; set; }

    /// <summary>Threads for both libraries (Unroll: 1 = the calling thread only, 2 = the pool).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _a = new float[N * N]; _b = new float[N * N]; _c = new float[N * N];
        for (int i = 0; i < _a.Length; i++) { _a[i] = (float)rng.NextDouble(); _b[i] = (float)rng.NextDouble(); }
        LibTorch.SetThreads(Threads);
        _ta = TorchSharp.torch.tensor(_a, [N, N]);
        _tb = TorchSharp.torch.tensor(_b, [N, N]);
    }

    [Benchmark]
    public void Multiply() => Gemm.MultiplyParallel(false, false, N, N, N, 1f, _a, N, _b, N, 0f, _c, N, Threads);

    /// <summary>The Dense-forward shape: B transposed (weights stored [units, inputs]).</summary>
    [Benchmark]
    public void MultiplyTransposedB() => Gemm.MultiplyParallel(false, true, N, N, N, 1f, _a, N, _b, N, 0f, _c, N, Threads);

    [Benchmark]
    public void TorchMultiply()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        TorchSharp.torch.mm(_ta, _tb);
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new GflopsColumn());
    }

    /// <summary>2·N³ floating-point operations over the mean time of one call.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => nameof(GflopsColumn);
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Single-precision GFLOP/s: 2·N³ / mean time";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            if (statistics is null || benchmarkCase.Parameters["N"] is not int n) return "-";
            return (2.0 * n * n * n / statistics.Mean).ToString("F1", CultureInfo.InvariantCulture);
        }
    }
}
