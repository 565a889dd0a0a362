using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using Unroll.Benchmarks.Onnx;
using Unroll.Benchmarks.Torch;
using Unroll.Models;
using static TorchSharp.torch;

namespace Unroll.Benchmarks.Compare;

// Unroll.Tensor (the definition-method symbol) would otherwise win over libtorch\'s tensor inside namespace Unroll.
using Tensor = TorchSharp.torch.Tensor;

/// <summary>
/// <c>compare [--quick] [--busy] [case ...]</c>: Unroll against TorchSharp (libtorch) and, for inference, ONNX Runtime
/// on the same networks, shapes and batches, measured alternately in one run. One line per case,
/// <c>case=mlp-infer1 unroll=… torchsharp=… ort=… unit=calls/s ratio=… ratio_ort=…</c> (higher is better; training
/// cases have no <c>ort</c> and <c>ratio_ort</c>), and for the matrix product
/// <c>case=gemm1024 gflops=… peak=… fraction=…</c>. Lines starting with '#' say how each figure was obtained.
/// <c>--busy</c> runs the same cases while one busy-looping process per core competes for the processor.
/// </summary>
internal static class CompareCommand
{
    private const int TrainBatch = Cases.TrainBatch;
    private const int InferBatch = 64;

    /// <summary>
    /// A case: the Unroll side (for inference, with the network and buffers that ONNX Runtime's session is built from),
    /// the libtorch side, and whether it is large enough that it runs fewer, single-call rounds.
    /// </summary>
    private sealed record NetworkCase(string Name, string Unit, double WorkPerCall, Func<UnrollSide> Unroll, Func<Action> Torch, string Note, bool Large = false);

    /// <summary>Unroll's call, and for inference the case whose exported network ONNX Runtime runs.</summary>
    private sealed record UnrollSide(Action Call, Cases.Inference? Inference = null);

    public static void Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var busy = args.Contains("--busy");
        var selected = args.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToHashSet();
        var known = NetworkCases().Select(c => c.Name).Concat(GemmSizes.Select(n => $"gemm{n}")).ToArray();
        foreach (var name in selected.Where(n => !known.Contains(n)))
            throw new ArgumentException($"unknown case '{name}': expected one of {string.Join(", ", known)}");
        foreach (var option in args.Skip(1).Where(a => a.StartsWith("--", StringComparison.Ordinal) && a is not ("--quick" or "--busy")))
            throw new ArgumentException($"unknown option '{option}': expected --quick or --busy");
        bool Wanted(string name) => selected.Count == 0 || selected.Contains(name);
        var rounds = quick ? 3 : 7;

        LibTorch.Initialize();
        torch.manual_seed(1);
        Console.WriteLine($"# machine: {MachineInfo.Describe()}");
        Console.WriteLine($"# torchsharp: libtorch {torch.__version__}, measured at 1 and at 2 threads; the better is compared. Unroll uses its pool of {Environment.ProcessorCount} threads.");
        Console.WriteLine($"# ort: ONNX Runtime {OrtEnv.Instance().GetVersionString()} (CPU), running Unroll's own ONNX export of the same network and weights; ORT_ENABLE_ALL, IOBinding, measured at 1 and at 2 intra-op threads; the better is compared.");
        Console.WriteLine($"# each figure: median of {rounds} rounds, contestants alternating within each round");

        using var spinners = busy ? new Spinners(Environment.ProcessorCount) : null;
        if (spinners is not null)
            Console.WriteLine($"# busy: {spinners.Count} spinner processes, one busy loop per core, run throughout");

        foreach (var networkCase in NetworkCases().Where(c => Wanted(c.Name)))
            RunCase(networkCase, rounds, quick);

        foreach (var n in GemmSizes.Where(n => Wanted($"gemm{n}")))
            GemmCase(n, rounds);
    }

    private static void RunCase(NetworkCase networkCase, int rounds, bool quick)
    {
        var unroll = networkCase.Unroll();
        var inference = unroll.Inference;
        using var ort = inference is null ? null : new OrtPeer(inference.Network, inference.Input, inference.Batch, inference.SampleShape, inference.Output.Length / inference.Batch);
        float parity = 0;
        if (ort is not null)
        {
            // Never time a wrong model: the export run by ONNX Runtime must give Unroll's output on the same input.
            unroll.Call();
            parity = ort.CheckParity(networkCase.Name, inference!.Output);
        }

        var torchCall = networkCase.Torch();
        var contestants = new List<Contestant> { new("unroll", unroll.Call) };
        foreach (var threads in new[] { 1, 2 })
            contestants.Add(new Contestant($"torch{threads}", torchCall, () => LibTorch.SetThreads(threads), SpinsAfter: true));
        if (ort is not null)
            foreach (var threads in OrtPeer.ThreadCounts)
                contestants.Add(new Contestant($"ort{threads}", ort.Call(threads), SpinsAfter: threads > 1));
        var results = Contest.Run(contestants, networkCase.Large ? Math.Min(rounds, 3) : rounds,
            secondsPerBatch: networkCase.Large ? 0 : quick ? 0.1 : 0.25, warmUpSeconds: networkCase.Large ? 0 : 1.0);

        double Rate(Contest.Result r) => networkCase.WorkPerCall / r.SecondsPerCall;
        Contest.Result[] Named(string prefix) => results.Where(r => r.Name.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        var mine = results[0];
        var torchResults = Named("torch");
        var torchBest = torchResults.MaxBy(Rate)!;
        var ortResults = Named("ort");
        var ortBest = ortResults.MaxBy(Rate);

        var line = string.Create(CultureInfo.InvariantCulture, $"case={networkCase.Name} unroll={Rate(mine):F1} torchsharp={Rate(torchBest):F1}");
        if (ortBest is not null) line += string.Create(CultureInfo.InvariantCulture, $" ort={Rate(ortBest):F1}");
        line += string.Create(CultureInfo.InvariantCulture, $" unit={networkCase.Unit} ratio={Rate(mine) / Rate(torchBest):F2}");
        if (ortBest is not null) line += string.Create(CultureInfo.InvariantCulture, $" ratio_ort={Rate(mine) / Rate(ortBest):F2}");
        Console.WriteLine(line);

        var note = string.Create(CultureInfo.InvariantCulture,
            $"#   {networkCase.Note}; torchsharp 1 thread {Rate(torchResults[0]):F1}, 2 threads {Rate(torchResults[1]):F1} (better: {torchBest.Name[5..]})");
        if (ortBest is not null)
            note += string.Create(CultureInfo.InvariantCulture,
                $"; ort 1 thread {Rate(ortResults[0]):F1}, 2 threads {Rate(ortResults[1]):F1} (better: {ortBest.Name[3..]}), output max |unroll - ort| {parity:G3}, ort allocated {ortResults.Max(r => r.AllocatedBytesPerCall)} bytes per call");
        note += $"; unroll allocated {mine.AllocatedBytesPerCall} bytes per call";
        Console.WriteLine(note);
    }

    private static readonly int[] GemmSizes = [256, 512, 1024];

    private static UnrollSide Infer<TNetwork>(int batch) where TNetwork : INetwork<TNetwork>
    {
        var inference = Cases.UnrollInference<TNetwork>(batch);
        return new UnrollSide(inference.Call, inference);
    }

    private static UnrollSide Train<TNetwork>(int batch, Optimizer optimizer) where TNetwork : INetwork<TNetwork> =>
        new(Cases.UnrollTraining<TNetwork>(batch, optimizer));

    private static IEnumerable<NetworkCase> NetworkCases()
    {
        const string TrainStep = "softmax cross-entropy, backward, Adam update";
        yield return new NetworkCase("mlp-infer1", "calls/s", 1, () => Infer<FashionMlp>(1), () => Cases.TorchInference(TorchModels.FashionMlp(withSoftmax: true), [1, 784]),
            "FashionMlp, one sample in, class probabilities out");
        yield return new NetworkCase("lenet-infer1", "calls/s", 1, () => Infer<LeNet5>(1), () => Cases.TorchInference(TorchModels.LeNet5(withSoftmax: true), [1, 1, 28, 28]),
            "LeNet5, one sample in, class probabilities out");
        yield return new NetworkCase("resnet-infer1", "calls/s", 1, () => Infer<FashionResNet>(1), () => Cases.TorchInference(TorchModels.FashionResNetChecked(withSoftmax: true), [1, 1, 28, 28]),
            $"FashionResNet ({FashionResNet.ParameterCount:N0} parameters, checked on both sides), one sample in, class probabilities out");
        yield return new NetworkCase("resnet50-infer1", "calls/s", 1, () => Infer<ResNet50>(1), () => Cases.TorchInference(TorchModels.ResNet50Checked(withSoftmax: true), [1, 3, 224, 224]),
            $"ResNet50 (Keras layout, {ResNet50.ParameterCount:N0} parameters, checked on both sides), one 224×224 image in, class probabilities out", Large: true);
        yield return new NetworkCase("mlp-infer64", "samples/s", InferBatch, () => Infer<FashionMlp>(InferBatch), () => Cases.TorchInference(TorchModels.FashionMlp(withSoftmax: true), [InferBatch, 784]),
            $"FashionMlp, a batch of {InferBatch} in, class probabilities out");
        yield return new NetworkCase("lenet-infer64", "samples/s", InferBatch, () => Infer<LeNet5>(InferBatch), () => Cases.TorchInference(TorchModels.LeNet5(withSoftmax: true), [InferBatch, 1, 28, 28]),
            $"LeNet5, a batch of {InferBatch} in, class probabilities out");
        yield return new NetworkCase("resnet-infer64", "samples/s", InferBatch, () => Infer<FashionResNet>(InferBatch), () => Cases.TorchInference(TorchModels.FashionResNetChecked(withSoftmax: true), [InferBatch, 1, 28, 28]),
            $"FashionResNet, a batch of {InferBatch} in, class probabilities out");
        yield return new NetworkCase("mlp-train", "samples/s", TrainBatch, () => Train<FashionMlp>(TrainBatch, new Adam()),
            () => Cases.TorchTraining(TorchModels.FashionMlp(withSoftmax: false), [TrainBatch, 784], 10, adam: true),
            $"FashionMlp, one step at batch {TrainBatch}: {TrainStep}");
        yield return new NetworkCase("lenet-train", "samples/s", TrainBatch, () => Train<LeNet5>(TrainBatch, new Adam()),
            () => Cases.TorchTraining(TorchModels.LeNet5(withSoftmax: false), [TrainBatch, 1, 28, 28], 10, adam: true),
            $"LeNet5, one step at batch {TrainBatch}: {TrainStep}");
        yield return new NetworkCase("resnet-train64", "samples/s", TrainBatch, () => Train<FashionResNet>(TrainBatch, new Adam()),
            () => Cases.TorchTraining(TorchModels.FashionResNetChecked(withSoftmax: false), [TrainBatch, 1, 28, 28], 10, adam: true),
            $"FashionResNet, one step at batch {TrainBatch}: {TrainStep}, BatchNorm in training mode");
        yield return new NetworkCase("gru-infer1", "calls/s", 1, () => Infer<FashionGru>(1), () => Cases.TorchInference(TorchModels.FashionRecurrent(lstm: false, withSoftmax: true), [1, 28, 28]),
            "FashionGru (28 steps of 28, 128 units), one sample in, class probabilities out");
        yield return new NetworkCase("gru-train", "samples/s", TrainBatch, () => Train<FashionGru>(TrainBatch, new Adam()),
            () => Cases.TorchTraining(TorchModels.FashionRecurrent(lstm: false, withSoftmax: false), [TrainBatch, 28, 28], 10, adam: true),
            $"FashionGru, one step at batch {TrainBatch}: softmax cross-entropy, backpropagation through 28 steps, Adam update");
        yield return new NetworkCase("lstm-train", "samples/s", TrainBatch, () => Train<FashionLstm>(TrainBatch, new Adam()),
            () => Cases.TorchTraining(TorchModels.FashionRecurrent(lstm: true, withSoftmax: false), [TrainBatch, 28, 28], 10, adam: true),
            $"FashionLstm, one step at batch {TrainBatch}: softmax cross-entropy, backpropagation through 28 steps, Adam update");
        yield return new NetworkCase("resnet50-step", "steps/s", 1, () => Train<ResNet50>(1, new Sgd(0.01f)),
            () => Cases.TorchTraining(TorchModels.ResNet50Checked(), [1, 3, 224, 224], 1000, adam: false),
            $"ResNet50 (Keras layout, {ResNet50.ParameterCount:N0} parameters, checked on both sides), one step at batch 1: forward, backward, SGD update", Large: true);
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
