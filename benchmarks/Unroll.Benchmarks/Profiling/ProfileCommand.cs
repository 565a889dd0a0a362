using System;
using System.Diagnostics;
using Unroll.Models;

namespace Unroll.Benchmarks.Profiling;

/// <summary>
/// <c>profile &lt;mlp|lenet|resnet|resnet50|gru|lstm&gt; &lt;inferN|trainN&gt;</c> (infer1, infer64, train64, …): times every kernel call of a network and prints where a step's
/// time goes, slowest call first, next to the step's wall time (the difference is the framework's own overhead).
/// </summary>
internal static class ProfileCommand
{
    public static void Run(string[] args)
    {
        var network = args.Length > 1 ? args[1] : "lenet";
        var mode = args.Length > 2 ? args[2] : "train64";
        Console.WriteLine(network switch
        {
            "mlp" => Profile<FashionMlp>(mode),
            "lenet" => Profile<LeNet5>(mode),
            "resnet" => Profile<FashionResNet>(mode),
            "resnet50" => Profile<ResNet50>(mode),
            "gru" => Profile<FashionGru>(mode),
            "lstm" => Profile<FashionLstm>(mode),
            _ => throw new ArgumentException($"unknown network '{network}': expected mlp, lenet, resnet, resnet50, gru or lstm"),
        });
    }

    private static string Profile<TNetwork>(string mode) where TNetwork : INetwork<TNetwork>
    {
        var inference = mode.StartsWith("infer", StringComparison.Ordinal);
        if (!(inference || mode.StartsWith("train", StringComparison.Ordinal)) || !int.TryParse(mode.AsSpan(5), out var batch) || batch < 1)
            throw new ArgumentException($"unknown mode '{mode}': expected inferN or trainN, N a batch size (infer1, train64)");
        var backend = new ProfilingBackend(CpuBackend.Shared);
        var data = SyntheticData.Classification(TNetwork.InputSize, TNetwork.OutputSize, batch);
        var samples = new int[batch];
        for (var i = 0; i < batch; i++) samples[i] = i;
        var network = TNetwork.Create(batch, backend, seed: 1);
        var input = new float[batch * TNetwork.InputSize];
        for (var i = 0; i < batch; i++) data.Sample(i).CopyTo(input.AsSpan(i * TNetwork.InputSize));
        var output = new float[batch * TNetwork.OutputSize];
        var trainer = inference ? null : new Trainer<TNetwork>(network, new SparseCategoricalCrossEntropy(), new Adam());
        Action step = trainer is null
            ? () => network.Predict(input, output)
            : () => trainer.TrainStep(data, samples);

        // Warm up for a second so that tiered compilation has finished, then run as many steps as fit in two seconds.
        var warmUp = Stopwatch.StartNew();
        var iterations = 0;
        for (; warmUp.ElapsedMilliseconds < 1000 || iterations < 50; iterations++) { backend.BeginStep(); step(); }
        iterations = Math.Max(20, iterations * 2);
        backend.Reset();
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++) { backend.BeginStep(); step(); }
        wall.Stop();
        return $"{typeof(TNetwork).Name} {mode}: {wall.Elapsed.TotalMicroseconds / iterations:F1} µs per step (wall)\n" + backend.Report();
    }
}
