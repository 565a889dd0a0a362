using System;
using BenchmarkDotNet.Attributes;
using Unroll.Models;

namespace Unroll.Benchmarks;

/// <summary>
/// Batch-1 inference and one batch-64 training step (forward, fused loss, backward, Adam) of the zoo's
/// Fashion-MNIST networks, on random inputs of the right shape. MemoryDiagnoser shows that neither allocates.
/// </summary>
[MemoryDiagnoser]
public class NetworkBenchmarks
{
    private const int Batch = 64;
    private FashionMlp _mlp1 = null!;
    private LeNet5 _lenet1 = null!;
    private Trainer<FashionMlp> _mlpTrainer = null!;
    private Trainer<LeNet5> _lenetTrainer = null!;
    private Dataset _data = null!;
    private readonly int[] _batch = new int[Batch];
    private readonly float[] _output = new float[10];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var pixels = new float[Batch * 784];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
        var labels = new int[Batch];
        for (var i = 0; i < Batch; i++) { labels[i] = random.Next(10); _batch[i] = i; }
        _data = Dataset.ForClassification(pixels, 784, labels, 10);

        _mlp1 = new FashionMlp(capacity: 1, seed: 1);
        _lenet1 = new LeNet5(capacity: 1, seed: 1);
        _mlpTrainer = new Trainer<FashionMlp>(new FashionMlp(Batch, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());
        _lenetTrainer = new Trainer<LeNet5>(new LeNet5(Batch, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());
    }

    [Benchmark]
    public void MlpInfer1() => _mlp1.Predict(_data.Sample(0), _output);

    [Benchmark]
    public void LeNetInfer1() => _lenet1.Predict(_data.Sample(0), _output);

    [Benchmark(OperationsPerInvoke = Batch)]
    public float MlpTrainStep64() => _mlpTrainer.TrainStep(_data, _batch).Loss;

    [Benchmark(OperationsPerInvoke = Batch)]
    public float LeNetTrainStep64() => _lenetTrainer.TrainStep(_data, _batch).Loss;
}
