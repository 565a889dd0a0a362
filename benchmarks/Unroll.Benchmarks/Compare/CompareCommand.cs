using System;
using System.Collections.Generic;
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
/// <c>compare [--quick] [case ...]</c>: Unroll against TorchSharp (libtorch) on the same networks, shapes and batches,
/// measured alternately in one run. One line per case,
/// <c>case=mlp-infer1 unroll=… torchsharp=… unit=calls/s ratio=…</c> (higher is better), and for the matrix product
/// <c>case=gemm1024 gflops=… peak=… fraction=…</c>. Lines starting with '#' say how each figure was obtained.
/// </summary>
internal static class CompareCommand
{
    private const int TrainBatch = Cases.TrainBatch;

    private sealed record NetworkCase(string Name, string Unit, double WorkPerCall, Func<Action> Unroll, Func<Action> Torch, string Note);

    public static void Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var selected = args.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToHashSet();
        var known = NetworkCases().Select(c => c.Name).Concat(GemmSizes.Select(n => $"gemm{n}")).ToArray();
        foreach (var name in selected.Where(n => !known.Contains(n)))
            throw new ArgumentException($"unknown case '{name}': expected one of {string.Join(", ", known)}");
        bool Wanted(string name) => selected.Count == 0 || selected.Contains(name);
        var rounds = quick ? 3 : 7;

        LibTorch.Initialize();
        torch.manual_seed(1);
        Console.WriteLine($"# machine: {MachineInfo.Describe()}");
        Console.WriteLine($"# torchsharp: libtorch {torch.__version__}, measured at 1 and at 2 threads; the better is compared. Unroll uses its pool of {Environment.ProcessorCount} threads.");
        Console.WriteLine($"# each figure: median of {rounds} rounds, contestants alternating within each round");

        foreach (var networkCase in NetworkCases().Where(c => Wanted(c.Name)))
        {
            var isLarge = networkCase.Name == "resnet50-step";
            var unroll = networkCase.Unroll();
            var torchCall = networkCase.Torch();
            var contestants = new List<Contestant> { new("unroll", unroll) };
            foreach (var threads in new[] { 1, 2 })
                contestants.Add(new Contestant($"torch{threads}", torchCall, () => LibTorch.SetThreads(threads)));
            var results = Contest.Run(contestants, isLarge ? Math.Min(rounds, 3) : rounds,
                secondsPerBatch: isLarge ? 0 : quick ? 0.1 : 0.25, warmUpSeconds: isLarge ? 0 : 1.0);

            double Rate(Contest.Result r) => networkCase.WorkPerCall / r.SecondsPerCall;
            var best = results.Skip(1).MaxBy(Rate)!;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"case={networkCase.Name} unroll={Rate(results[0]):F1} torchsharp={Rate(best):F1} unit={networkCase.Unit} ratio={Rate(results[0]) / Rate(best):F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"#   {networkCase.Note}; torchsharp 1 thread {Rate(results[1]):F1}, 2 threads {Rate(results[2]):F1} (better: {best.Name[5..]}); unroll allocated {results[0].AllocatedBytesPerCall} bytes per call"));
        }

        foreach (var n in GemmSizes.Where(n => Wanted($"gemm{n}")))
            GemmCase(n, rounds);
    }

    private static readonly int[] GemmSizes = [256, 512, 1024];

    private static IEnumerable<NetworkCase> NetworkCases()
    {
        yield return new NetworkCase("mlp-infer1", "calls/s", 1, () => Cases.UnrollInference<FashionMlp>(), () => Cases.TorchInference(TorchModels.FashionMlp(withSoftmax: true), [1, 784]),
            "FashionMlp, one sample in, class probabilities out");
        yield return new NetworkCase("lenet-infer1", "calls/s", 1, () => Cases.UnrollInference<LeNet5>(), () => Cases.TorchInference(TorchModels.LeNet5(withSoftmax: true), [1, 1, 28, 28]),
            "LeNet5, one sample in, class probabilities out");
        yield return new NetworkCase("mlp-train", "samples/s", TrainBatch, () => Cases.UnrollTraining<FashionMlp>(TrainBatch, new Adam()),
            () => Cases.TorchTraining(TorchModels.FashionMlp(withSoftmax: false), [TrainBatch, 784], 10, adam: true),
            $"FashionMlp, one step at batch {TrainBatch}: softmax cross-entropy, backward, Adam update");
        yield return new NetworkCase("lenet-train", "samples/s", TrainBatch, () => Cases.UnrollTraining<LeNet5>(TrainBatch, new Adam()),
            () => Cases.TorchTraining(TorchModels.LeNet5(withSoftmax: false), [TrainBatch, 1, 28, 28], 10, adam: true),
            $"LeNet5, one step at batch {TrainBatch}: softmax cross-entropy, backward, Adam update");
        yield return new NetworkCase("gru-infer1", "calls/s", 1, () => Cases.UnrollInference<FashionGru>(), () => Cases.TorchInference(TorchModels.FashionRecurrent(lstm: false, withSoftmax: true), [1, 28, 28]),
            "FashionGru (28 steps of 28, 128 units), one sample in, class probabilities out");
        yield return new NetworkCase("gru-train", "samples/s", TrainBatch, () => Cases.UnrollTraining<FashionGru>(TrainBatch, new Adam()),
            () => Cases.TorchTraining(TorchModels.FashionRecurrent(lstm: false, withSoftmax: false), [TrainBatch, 28, 28], 10, adam: true),
            $"FashionGru, one step at batch {TrainBatch}: softmax cross-entropy, backpropagation through 28 steps, Adam update");
        yield return new NetworkCase("lstm-train", "samples/s", TrainBatch, () => Cases.UnrollTraining<FashionLstm>(TrainBatch, new Adam()),
            () => Cases.TorchTraining(TorchModels.FashionRecurrent(lstm: true, withSoftmax: false), [TrainBatch, 28, 28], 10, adam: true),
            $"FashionLstm, one step at batch {TrainBatch}: softmax cross-entropy, backpropagation through 28 steps, Adam update");
        yield return new NetworkCase("resnet50-step", "steps/s", 1, () => Cases.UnrollTraining<ResNet50>(1, new Sgd(0.01f)),
            () => Cases.TorchTraining(TorchModels.ResNet50Checked(), [1, 3, 224, 224], 1000, adam: false),
            $"ResNet50 (Keras layout, {ResNet50.ParameterCount:N0} parameters, checked on both sides), one step at batch 1: forward, backward, SGD update");
    }

    private static void GemmCase(int n, int rounds)
    {
        var random = new Random(n);
        var a = new float[n * n];
        var b = new float[n * n];
        var c = new float[n * n];
        for (var i = 0; i < a.Length; i++) { a[i] = (float)random.NextDouble() - 0.5f; b[i] = (float)random.NextDouble() - 0.5f; }
        var ta = torch.tensor(a, [n, n]);
        var tb = torch.tensor(b, [n, n]);
        var cores = Environment.ProcessorCount;
        var contestants = new List<Contestant> { new("unroll", () => Gemm.MultiplyParallel(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n)) };
        foreach (var threads in new[] { 1, 2 })
            contestants.Add(new Contestant($"torch{threads}", () => { using var scope = torch.NewDisposeScope(); torch.mm(ta, tb); }, () => LibTorch.SetThreads(threads)));
        var results = Contest.Run(contestants, rounds, secondsPerBatch: 0.2, warmUpSeconds: 0.5);

        var flops = 2.0 * n * n * n;
        var gflops = flops / results[0].SecondsPerCall / 1e9;
        var peak = Peak.MeasureGflops(cores);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"case=gemm{n} gflops={gflops:F1} peak={peak:F1} fraction={gflops / peak:F3}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"#   {n}×{n}×{n} single precision on {cores} threads; peak = FMA chains on every core at once, measured right after; torch.mm {flops / results[1].SecondsPerCall / 1e9:F1} GFLOP/s on 1 thread, {flops / results[2].SecondsPerCall / 1e9:F1} on 2; unroll allocated {results[0].AllocatedBytesPerCall} bytes per call"));
        if (n == 1024 && Peak.Nominal(Environment.ProcessorCount) is { } nominal)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"#   nominal peak {nominal.Gflops:F1} GFLOP/s = {Environment.ProcessorCount} cores × {nominal.Mhz:F0} MHz (as /proc/cpuinfo reports it) × {nominal.FlopsPerCycle} flops/cycle; the measured peak is higher when the cores boost above that clock"));
    }

}
