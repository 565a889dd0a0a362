using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Unroll.Benchmarks.Compare;
using Unroll.Benchmarks.Torch;
using Unroll.Models;

namespace Unroll.Benchmarks;

/// <summary>
/// The network cases of <c>compare</c>, as a BenchmarkDotNet suite: each case once in Unroll and once in TorchSharp
/// (the baseline of its category, so the Ratio column reads "Unroll time / libtorch time"; lower is better there).
/// Training benchmarks are per sample (batch 64). Run:
/// <c>dotnet run -c Release --project benchmarks/Unroll.Benchmarks -- --filter "*NetworkBenchmarks*"</c>.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class NetworkBenchmarks
{
    private const int Batch = Cases.TrainBatch;
    private Action _unrollMlpInfer = null!, _unrollLeNetInfer = null!, _unrollMlpTrain = null!, _unrollLeNetTrain = null!, _unrollResNet = null!;
    private Action _torchMlpInfer = null!, _torchLeNetInfer = null!, _torchMlpTrain = null!, _torchLeNetTrain = null!, _torchResNet = null!;

    /// <summary>libtorch's intra-op threads; Unroll always uses its pool (one thread per core).</summary>
    [Params(1, 2)]
    public int TorchThreads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        LibTorch.SetThreads(TorchThreads);
        _unrollMlpInfer = Cases.UnrollInference<FashionMlp>().Call;
        _unrollLeNetInfer = Cases.UnrollInference<LeNet5>().Call;
        _unrollMlpTrain = Cases.UnrollTraining<FashionMlp>(Batch, new Adam());
        _unrollLeNetTrain = Cases.UnrollTraining<LeNet5>(Batch, new Adam());
        _unrollResNet = Cases.UnrollTraining<ResNet50>(1, new Sgd(0.01f));
        _torchMlpInfer = Cases.TorchInference(TorchModels.FashionMlp(withSoftmax: true), [1, 784]);
        _torchLeNetInfer = Cases.TorchInference(TorchModels.LeNet5(withSoftmax: true), [1, 1, 28, 28]);
        _torchMlpTrain = Cases.TorchTraining(TorchModels.FashionMlp(withSoftmax: false), [Batch, 784], 10, adam: true);
        _torchLeNetTrain = Cases.TorchTraining(TorchModels.LeNet5(withSoftmax: false), [Batch, 1, 28, 28], 10, adam: true);
        _torchResNet = Cases.TorchTraining(TorchModels.ResNet50Checked(), [1, 3, 224, 224], 1000, adam: false);
    }

    [Benchmark, BenchmarkCategory("mlp-infer1")] public void UnrollMlpInfer1() => _unrollMlpInfer();
    [Benchmark(Baseline = true), BenchmarkCategory("mlp-infer1")] public void TorchMlpInfer1() => _torchMlpInfer();

    [Benchmark, BenchmarkCategory("lenet-infer1")] public void UnrollLeNetInfer1() => _unrollLeNetInfer();
    [Benchmark(Baseline = true), BenchmarkCategory("lenet-infer1")] public void TorchLeNetInfer1() => _torchLeNetInfer();

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("mlp-train")] public void UnrollMlpTrainStep64() => _unrollMlpTrain();
    [Benchmark(OperationsPerInvoke = Batch, Baseline = true), BenchmarkCategory("mlp-train")] public void TorchMlpTrainStep64() => _torchMlpTrain();

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("lenet-train")] public void UnrollLeNetTrainStep64() => _unrollLeNetTrain();
    [Benchmark(OperationsPerInvoke = Batch, Baseline = true), BenchmarkCategory("lenet-train")] public void TorchLeNetTrainStep64() => _torchLeNetTrain();

    [Benchmark, BenchmarkCategory("resnet50-step")] public void UnrollResNet50Step() => _unrollResNet();
    [Benchmark(Baseline = true), BenchmarkCategory("resnet50-step")] public void TorchResNet50Step() => _torchResNet();
}
