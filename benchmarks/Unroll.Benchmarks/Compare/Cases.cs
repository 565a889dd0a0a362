using System;
using System.Linq;
using TorchSharp;
using Unroll.Benchmarks.Onnx;
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

    /// <summary>
    /// An Unroll inference case built for timing: the network (its biases and BatchNorm statistics made non-trivial, so
    /// that a peer running its export has real work), a batch of inputs, the output buffer, and the call that predicts
    /// the whole batch into it.
    /// </summary>
    public sealed record Inference(INetwork Network, int Batch, int[] SampleShape, float[] Input, float[] Output, Action Call);

    public static Inference UnrollInference<TNetwork>(int batch = 1) where TNetwork : INetwork<TNetwork>
    {
        var network = TNetwork.Create(batch, CpuBackend.Shared, seed: 1);
        NonTrivialWeights.Apply(network, seed: 2);
        var input = SyntheticData.Classification(TNetwork.InputSize, TNetwork.OutputSize, batch).Features;
        var output = new float[batch * TNetwork.OutputSize];
        return new Inference(network, batch, TNetwork.InputShape.ToArray(), input, output, () => network.Predict(input, output));
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
