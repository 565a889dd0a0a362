using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using TorchSharp;
using Unroll.Benchmarks.Torch;
using Unroll.Models;
using static TorchSharp.torch;

namespace Unroll.Benchmarks.Compare;

// Unroll.Tensor (the definition-method symbol) would otherwise win over libtorch\'s tensor inside namespace Unroll.
using Tensor = TorchSharp.torch.Tensor;

/// <summary>
/// <c>epochs &lt;mlp|lenet&gt; [--epochs N] [--batch N] [--lr X] [--threads N] [--data DIR]</c>: trains the same network on
/// Fashion-MNIST in Unroll and in TorchSharp with the same hyperparameters (Adam, constant learning rate) and the same
/// batches in the same order, then prints each one's training throughput and final test accuracy.
/// </summary>
internal static class EpochsCommand
{
    public static void Run(string[] args)
    {
        var network = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? args[1] : "mlp";
        if (network is not ("mlp" or "lenet")) throw new ArgumentException($"unknown network '{network}': expected mlp or lenet");
        var epochs = Positive(args, "--epochs", 5);
        var batch = Positive(args, "--batch", 64);
        var torchThreads = Positive(args, "--threads", 1);
        var rateText = Option(args, "--lr") ?? "0.001";
        if (!float.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !(rate > 0) || float.IsInfinity(rate))
            throw new ArgumentException($"--lr needs a positive number, got '{rateText}'");
        var (train, test) = FashionMnist.Load(Option(args, "--data") ?? FashionMnist.DefaultDirectory);

        LibTorch.SetThreads(torchThreads);
        torch.manual_seed(1);
        Console.WriteLine($"# machine: {MachineInfo.Describe()}; libtorch on {torchThreads} thread(s)");
        Console.WriteLine($"# {network}: {epochs} epochs, batch {batch}, Adam lr {rate.ToString(CultureInfo.InvariantCulture)}, same shuffled batches for both");

        var (unrollRate, unrollAccuracy) = network switch
        {
            "mlp" => TrainUnroll<FashionMlp>(train, test, epochs, batch, rate),
            _ => TrainUnroll<LeNet5>(train, test, epochs, batch, rate),
        };
        var (torchRate, torchAccuracy) = TrainTorch(network == "mlp" ? TorchModels.FashionMlp(false) : TorchModels.LeNet5(false),
            network == "mlp" ? [784] : [1, 28, 28], train, test, epochs, batch, rate);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epochs={network} unroll_samples_per_s={unrollRate:F0} torchsharp_samples_per_s={torchRate:F0} ratio={unrollRate / torchRate:F2} unroll_test_accuracy={unrollAccuracy:F4} torchsharp_test_accuracy={torchAccuracy:F4}"));
    }

    private static int Positive(string[] args, string name, int fallback)
    {
        var text = Option(args, name);
        if (text is null) return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value : throw new ArgumentException($"{name} needs a positive whole number, got '{text}'");
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    /// <summary>Epoch e's sample order: the same permutation for both frameworks.</summary>
    private static int[] Order(int count, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(1000 + epoch).Shuffle(order);
        return order;
    }

    private static (double SamplesPerSecond, double Accuracy) TrainUnroll<TNetwork>(Dataset train, Dataset test, int epochs, int batch, float rate)
        where TNetwork : INetwork<TNetwork>
    {
        var trainer = new Trainer<TNetwork>(TNetwork.Create(batch, CpuBackend.Shared, seed: 1), new SparseCategoricalCrossEntropy(), new Adam(rate));
        var seconds = 0.0;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var order = Order(train.Count, epoch);
            var watch = Stopwatch.StartNew();
            float loss = 0;
            for (var start = 0; start + batch <= order.Length; start += batch)
                loss = trainer.TrainStep(train, order.AsSpan(start, batch)).Loss;
            seconds += watch.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  unroll     epoch {epoch + 1}: {order.Length / batch * batch / watch.Elapsed.TotalSeconds:F0} samples/s, last loss {loss:F4}"));
        }
        return (epochs * (train.Count / batch * batch) / seconds, trainer.Evaluate(test).Accuracy);
    }

    private static (double SamplesPerSecond, double Accuracy) TrainTorch(nn.Module<Tensor, Tensor> model, long[] sampleShape,
        Dataset train, Dataset test, int epochs, int batch, float rate)
    {
        var images = torch.tensor(train.Features, [train.Count, .. sampleShape]);
        var labels = torch.tensor(train.Labels!.Select(l => (long)l).ToArray());
        var optimizer = optim.Adam(model.parameters(), rate);
        var loss = nn.CrossEntropyLoss();
        var seconds = 0.0;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            model.train();
            var order = Order(train.Count, epoch);
            var watch = Stopwatch.StartNew();
            var last = 0f;
            for (var start = 0; start + batch <= order.Length; start += batch)
            {
                using var scope = torch.NewDisposeScope();
                var indices = torch.tensor(order.AsSpan(start, batch).ToArray().Select(i => (long)i).ToArray());
                optimizer.zero_grad();
                var value = loss.forward(model.forward(images.index_select(0, indices)), labels.index_select(0, indices));
                value.backward();
                optimizer.step();
                if (start + 2 * batch > order.Length) last = value.item<float>();
            }
            seconds += watch.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  torchsharp epoch {epoch + 1}: {order.Length / batch * batch / watch.Elapsed.TotalSeconds:F0} samples/s, last loss {last:F4}"));
        }

        model.eval();
        using var noGrad = torch.no_grad();
        using var evaluation = torch.NewDisposeScope();
        var predicted = model.forward(torch.tensor(test.Features, [test.Count, .. sampleShape])).argmax(1);
        var correct = predicted.eq(torch.tensor(test.Labels!.Select(l => (long)l).ToArray())).sum().item<long>();
        return (epochs * (train.Count / batch * batch) / seconds, (double)correct / test.Count);
    }
}
