using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Unroll.Models;

namespace Unroll.GpuBenchmarks;

/// <summary>
/// `gpu [--device cuda|ilgpu-cpu] [--quick]`: training and inference throughput of generated networks on the ILGPU
/// backend against the CPU backend, in one process, on the same synthetic batch. One line a case:
/// <c>case=lenet-train batch=256 gpu=… cpu=… unit=samples/s ratio=gpu/cpu first_call_ms=… host_bytes_per_step=…</c>.
/// first_call_ms is the backend's first step (kernel compilation and loading included); host_bytes_per_step is what
/// the calling thread allocated per timed step on the GPU path (0 is the goal). --quick runs tiny batches, for a smoke
/// test on the CPU accelerator. Before the timings, <c>parity=…</c> lines compare two training steps on both backends.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var device = IlgpuDevice.Cuda;
        var quick = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "gpu": break;
                case "--quick": quick = true; break;
                case "--device" when i + 1 < args.Length:
                    device = args[++i] switch
                    {
                        "cuda" => IlgpuDevice.Cuda,
                        "ilgpu-cpu" => IlgpuDevice.Cpu,
                        var other => throw new ArgumentException($"Unknown device '{other}': expected cuda or ilgpu-cpu."),
                    };
                    break;
                default:
                    Console.Error.WriteLine($"error: unknown argument '{args[i]}'. Usage: gpu [--device cuda|ilgpu-cpu] [--quick]");
                    return 2;
            }
        }

        IlgpuBackend gpu;
        var created = Stopwatch.StartNew();
        try
        {
            gpu = IlgpuBackend.Create(device);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        using var _ = gpu;
        Console.WriteLine($"# gpu backend: {gpu.Name} (created in {created.Elapsed.TotalMilliseconds:F0} ms); cpu backend: {CpuBackend.Shared.Name}");
        Console.WriteLine($"# {Environment.ProcessorCount} processors, .NET {Environment.Version}");

        // The kernels first give the CPU backend's results (a GPU that computes wrongly fast is no result), then the timings.
        var parityBatch = quick ? 2 : 8;
        Parity<LeNet5>(gpu, parityBatch);
        Parity<FashionResNet>(gpu, parityBatch);
        Parity<FashionGru>(gpu, parityBatch);

        foreach (var run in Cases(quick))
        {
            var onGpu = run.Measure(gpu, quick);
            var onCpu = run.Measure(CpuBackend.Shared, quick);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"case={run.Name} batch={run.Batch} gpu={onGpu.PerSecond:F1} cpu={onCpu.PerSecond:F1} unit=samples/s ratio={onGpu.PerSecond / onCpu.PerSecond:F2} " +
                $"first_call_ms={onGpu.FirstCallMs:F0} host_bytes_per_step={onGpu.HostBytesPerStep}"));
        }
        return 0;
    }

    /// <summary>
    /// Two Adam steps of the same network from the same weights and batch on both backends; prints the losses and the
    /// largest difference between their parameters afterwards (float sums in another order: around 1e-5 is expected).
    /// </summary>
    private static void Parity<TNetwork>(IBackend gpu, int batch) where TNetwork : INetwork<TNetwork>
    {
        var data = Case.Synthetic<TNetwork>(batch);
        var samples = Enumerable.Range(0, batch).ToArray();
        var onCpu = new Trainer<TNetwork>(TNetwork.Create(batch, CpuBackend.Shared, seed: 3), new SparseCategoricalCrossEntropy(), new Adam());
        var onGpu = new Trainer<TNetwork>(TNetwork.Create(batch, gpu, seed: 3), new SparseCategoricalCrossEntropy(), new Adam());
        float cpuLoss = 0, gpuLoss = 0;
        for (var step = 0; step < 2; step++)
        {
            cpuLoss = onCpu.TrainStep(data, samples).Loss;
            gpuLoss = onGpu.TrainStep(data, samples).Loss;
        }
        double largest = 0;
        string where = "";
        for (var p = 0; p < onCpu.Network.Parameters.Count; p++)
        {
            var (a, b) = (onCpu.Network.Parameters[p], onGpu.Network.Parameters[p]);
            var (x, y) = (new float[a.Length], new float[b.Length]);
            CpuBackend.Shared.Download(a.Value, 0, x);
            gpu.Download(b.Value, 0, y);
            for (var i = 0; i < x.Length; i++)
            {
                var d = Math.Abs((double)x[i] - y[i]);
                if (!(d <= largest)) (largest, where) = (d, $"{a.Name}[{i}]"); // NaN counts as the largest
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"parity={typeof(TNetwork).Name} batch={batch} steps=2 loss_cpu={cpuLoss:G6} loss_gpu={gpuLoss:G6} max_param_diff={largest:G3} at={where}"));
    }

    private static IEnumerable<Case> Cases(bool quick)
    {
        if (quick)
        {
            yield return Case.Training<LeNet5>("lenet-train", 4);
            yield return Case.Inference<LeNet5>("lenet-infer", 4);
            yield break;
        }
        yield return Case.Training<LeNet5>("lenet-train", 256);
        yield return Case.Training<FashionResNet>("resnet-train", 128);
        yield return Case.Training<ResNet50>("resnet50-train", 32);
        yield return Case.Inference<LeNet5>("lenet-infer", 256);
        yield return Case.Inference<FashionResNet>("resnet-infer", 256);
        yield return Case.Inference<ResNet50>("resnet50-infer", 32);
    }

    private readonly record struct Measurement(double PerSecond, double FirstCallMs, long HostBytesPerStep);

    /// <summary>One network and batch; Measure builds it on a backend, runs a first step, then times steps.</summary>
    private sealed record Case(string Name, int Batch, Func<IBackend, Action> Build)
    {
        public static Case Training<TNetwork>(string name, int batch) where TNetwork : INetwork<TNetwork>
            => new(name, batch, backend =>
            {
                var trainer = new Trainer<TNetwork>(TNetwork.Create(batch, backend, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());
                var data = Synthetic<TNetwork>(batch);
                var samples = Enumerable.Range(0, batch).ToArray();
                return () => trainer.TrainStep(data, samples);
            });

        public static Case Inference<TNetwork>(string name, int batch) where TNetwork : INetwork<TNetwork>
            => new(name, batch, backend =>
            {
                var network = TNetwork.Create(batch, backend, seed: 1);
                var input = Synthetic<TNetwork>(batch).Features;
                var output = new float[batch * TNetwork.OutputSize];
                // What an application does: the batch up, the forward pass, the outputs down.
                return () =>
                {
                    backend.Upload(input, network.Input);
                    network.Forward(batch, training: false);
                    backend.Download(network.Output, 0, output);
                };
            });

        public Measurement Measure(IBackend backend, bool quick)
        {
            var first = Stopwatch.StartNew();
            var step = Build(backend);
            step();
            var firstCallMs = first.Elapsed.TotalMilliseconds;
            step(); // warm: buffers and pools settle
            // At least 3 steps and 2 seconds (one step and no minimum with --quick); the median step is reported.
            var times = new List<double>();
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var total = Stopwatch.StartNew();
            while (times.Count < (quick ? 1 : 3) || (!quick && total.Elapsed.TotalSeconds < 2 && times.Count < 1000))
            {
                var one = Stopwatch.GetTimestamp();
                step();
                times.Add(Stopwatch.GetElapsedTime(one).TotalSeconds);
            }
            long perStep = (GC.GetAllocatedBytesForCurrentThread() - allocated) / times.Count;
            times.Sort();
            return new Measurement(Batch / times[times.Count / 2], firstCallMs, perStep);
        }

        public static Dataset Synthetic<TNetwork>(int batch) where TNetwork : INetwork<TNetwork>
        {
            var random = new Random(1);
            var pixels = new float[batch * TNetwork.InputSize];
            for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
            var labels = new int[batch];
            for (var i = 0; i < batch; i++) labels[i] = random.Next(TNetwork.OutputSize);
            return Dataset.ForClassification(pixels, TNetwork.InputSize, labels, TNetwork.OutputSize);
        }
    }
}
