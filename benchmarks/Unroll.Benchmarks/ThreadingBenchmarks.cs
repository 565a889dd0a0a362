using BenchmarkDotNet.Attributes;
using Unroll.Models;

namespace Unroll.Benchmarks;

/// <summary>
/// What the threading rule costs at batch 1: the use guard alone (entered by Forward and by Predict), and FashionMlp's
/// Predict on the network itself, on an inference context and through an <see cref="InferencePool{TNetwork}"/>
/// (a lock to borrow a context and one to give it back). Run:
/// <c>dotnet run -c Release --project benchmarks/Unroll.Benchmarks -- --filter "*ThreadingBenchmarks*" --inProcess --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class ThreadingBenchmarks
{
    private FashionMlp _network = null!, _context = null!;
    private InferencePool<FashionMlp> _pool = null!;
    private readonly float[] _sample = SyntheticData.Classification(FashionMlp.InputSize, FashionMlp.OutputSize, 1).Features;
    private readonly float[] _output = new float[FashionMlp.OutputSize];

    [GlobalSetup]
    public void Setup()
    {
        _network = new FashionMlp(seed: 1);
        _context = _network.CreateInferenceContext();
        _pool = new InferencePool<FashionMlp>(_network);
    }

    [Benchmark]
    public void GuardEnterAndLeave()
    {
        using var scope = ((INetwork)_network).UseGuard.Enter("benchmark");
    }

    [Benchmark(Baseline = true)] public void Predict() => _network.Predict(_sample, _output);

    [Benchmark] public void PredictOnContext() => _context.Predict(_sample, _output);

    [Benchmark] public void PredictThroughPool() => _pool.Predict(_sample, _output);
}
