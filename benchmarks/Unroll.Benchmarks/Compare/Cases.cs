using System;
using System.Linq;
using TorchSharp;
using Unroll.Benchmarks.Torch;
using static TorchSharp.torch;

namespace Unroll.Benchmarks.Compare;

// Unroll.Tensor (the definition-method symbol) would otherwise win over libtorch's tensor inside namespace Unroll.
using Tensor = TorchSharp.torch.Tensor;

/// <summary>
/// The calls both the <c>compare</c> command and the BenchmarkDotNet suite time: each returns an action that runs one
/// inference call or one training step, with everything it needs built beforehand.
/// </summary>
internal static class Cases
{
    /// <summary>The training batch of every training case.</summary>
    public const int TrainBatch = 64;

    public static Action UnrollInference<TNetwork>() where TNetwork : INetwork<TNetwork>
    {
        var network = TNetwork.Create(1, CpuBackend.Shared, seed: 1);
        var sample = SyntheticData.Classification(TNetwork.InputSize, TNetwork.OutputSize, 1).Features;
        var output = new float[TNetwork.OutputSize];
        return () => network.Predict(sample, output);
    }

    public static Action UnrollTraining<TNetwork>(int batch, Optimizer optimizer) where TNetwork : INetwork<TNetwork>
    {
        // Unroll's step also copies each sample from the data set into the network's input buffer; libtorch gets its
        // batch as a ready tensor.
        var trainer = new Trainer<TNetwork>(TNetwork.Create(batch, CpuBackend.Shared, seed: 1), new SparseCategoricalCrossEntropy(), optimizer);
        var data = SyntheticData.Classification(TNetwork.InputSize, TNetwork.OutputSize, batch);
        var samples = Enumerable.Range(0, batch).ToArray();
        return () => trainer.TrainStep(data, samples);
    }

    public static Action TorchInference(nn.Module<Tensor, Tensor> model, long[] shape)
    {
        model.eval();
        var input = torch.rand(shape);
        return () =>
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            model.forward(input);
        };
    }

    public static Action TorchTraining(nn.Module<Tensor, Tensor> model, long[] shape, int classes, bool adam)
    {
        model.train();
        var input = torch.rand(shape);
        var labels = torch.randint(0, classes, [shape[0]]);
        var loss = nn.CrossEntropyLoss();
        optim.Optimizer optimizer = adam ? optim.Adam(model.parameters()) : optim.SGD(model.parameters(), 0.01);
        return () =>
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            loss.forward(model.forward(input), labels).backward();
            optimizer.step();
        };
    }
}
