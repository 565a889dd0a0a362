using System;
using System.Linq;
using Unroll.Models;
using Xunit;

namespace Unroll.Tests.Kernels;

/// <summary>
/// The ILGPU backend on ILGPU's CPU accelerator (no GPU needed) against the CPU backend: each operation it supports
/// gives the CPU backend's results, and a generated network runs on it end to end. Sizes stay small: the accelerator
/// emulates a GPU thread by thread.
/// </summary>
public class IlgpuBackendTests
{
    private static readonly IlgpuBackend Gpu = Backends.IlgpuCpu;
    private static readonly IBackend Cpu = CpuBackend.Shared;

    /// <summary>Runs <paramref name="run"/> on both backends and compares every buffer it returns.</summary>
    private static void Same(string what, Func<IBackend, FloatBuffer[]> run, double tolerance = 2e-6)
    {
        var expected = run(Cpu).Select(b => Support.Download(Cpu, b)).ToArray();
        var actual = run(Gpu).Select(b => Support.Download(Gpu, b)).ToArray();
        for (int i = 0; i < expected.Length; i++)
            Support.Close(Support.ToDouble(expected[i]), actual[i], tolerance, $"{what}, result {i}");
    }

    [Theory]
    [InlineData(1, 3, 5, true)]
    [InlineData(7, 9, 6, false)]
    [InlineData(17, 33, 10, true)]
    public void Dense_forward_and_backward_match_the_cpu(int batch, int inputs, int units, bool bias)
    {
        var g = new DenseGeometry(inputs, units);
        Same($"dense {batch}×{inputs}→{units}", backend =>
        {
            var x = Support.Upload(backend, Support.Random(batch * inputs, 1));
            var w = Support.Upload(backend, Support.Random(units * inputs, 2));
            var b = bias ? Support.Upload(backend, Support.Random(units, 3)) : null;
            var y = backend.Allocate(batch * units);
            var dy = Support.Upload(backend, Support.Random(batch * units, 4));
            var dx = backend.Allocate(batch * inputs);
            var dw = backend.Allocate(units * inputs);
            var db = backend.Allocate(units);
            backend.DenseForward(x, w, b, y, batch, g);
            backend.DenseBackward(x, w, dy, dx, dw, bias ? db : null, batch, g);
            return bias ? [y, dx, dw, db] : [y, dx, dw];
        }, 1e-5);
    }

    [Theory]
    [InlineData(Activation.Linear)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.LeakyRelu)]
    [InlineData(Activation.Elu)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Softmax)]
    public void Activations_match_the_cpu(Activation activation)
    {
        const int batch = 5, features = 13;
        Same(activation.ToString(), backend =>
        {
            var x = Support.Upload(backend, Support.Random(batch * features, 5, -4f, 4f));
            var y = backend.Allocate(batch * features);
            var dy = Support.Upload(backend, Support.Random(batch * features, 6));
            var dx = backend.Allocate(batch * features);
            backend.ActivationForward(activation, 0.3f, x, y, batch, features);
            backend.ActivationBackward(activation, 0.3f, x, y, dy, dx, batch, features);
            return [y, dx];
        });
    }

    [Fact]
    public void Dropout_draws_the_cpus_mask_exactly()
    {
        const int length = 1000;
        Same("dropout", backend =>
        {
            var x = Support.Upload(backend, Support.Random(length, 7));
            var y = backend.Allocate(length);
            var mask = backend.Allocate(length);
            var dy = Support.Upload(backend, Support.Random(length, 8));
            var dx = backend.Allocate(length);
            backend.DropoutForward(x, y, mask, 0.3f, 42, length);
            backend.DropoutBackward(mask, dy, dx, length);
            return [mask, y, dx];
        }, tolerance: 0);
    }

    [Fact]
    public void Elementwise_operations_match_the_cpu()
    {
        const int length = 37;
        Same("add, scale, add in place", backend =>
        {
            var a = Support.Upload(backend, Support.Random(length, 9));
            var b = Support.Upload(backend, Support.Random(length, 10));
            var sum = backend.Allocate(length);
            var scaled = backend.Allocate(length);
            backend.Add(a, b, sum, length);
            backend.Scale(a, scaled, -2.5f, length);
            backend.AddInPlace(a, b, length);
            return [sum, scaled, b];
        }, tolerance: 0);
    }

    [Fact]
    public void Concat_padding_upsampling_and_global_pooling_match_the_cpu()
    {
        const int batch = 2;
        var concat = new ConcatGeometry(3, 7, 2, 5);
        var padding = new Padding2DGeometry(2, 3, 4, 1, 2, 6, 7);
        var upsampling = new UpSampling2DGeometry(2, 3, 4, 2, 3);
        var pooling = new GlobalPool2DGeometry(3, 10);
        Same("concat, padding, upsampling, global pooling", backend =>
        {
            var input = Support.Upload(backend, Support.Random(batch * concat.InputChannels * concat.Spatial, 11));
            var joined = backend.Allocate(batch * concat.OutputChannels * concat.Spatial);
            var back = backend.Allocate(batch * concat.InputChannels * concat.Spatial);
            backend.ConcatChannelsForward(input, joined, batch, concat);
            backend.ConcatChannelsBackward(joined, back, batch, concat);

            var image = Support.Upload(backend, Support.Random(batch * padding.InputSize, 12));
            var padded = backend.Allocate(batch * padding.OutputSize);
            var cropped = backend.Allocate(batch * padding.InputSize);
            backend.ZeroPadding2DForward(image, padded, batch, padding);
            backend.ZeroPadding2DBackward(padded, cropped, batch, padding);

            var small = Support.Upload(backend, Support.Random(batch * upsampling.InputSize, 13));
            var large = backend.Allocate(batch * upsampling.OutputSize);
            var largeGradient = Support.Upload(backend, Support.Random(batch * upsampling.OutputSize, 14));
            var smallGradient = backend.Allocate(batch * upsampling.InputSize);
            backend.UpSampling2DForward(small, large, batch, upsampling);
            backend.UpSampling2DBackward(largeGradient, smallGradient, batch, upsampling);

            var planes = Support.Upload(backend, Support.Random(batch * pooling.Channels * pooling.Spatial, 15));
            var means = backend.Allocate(batch * pooling.Channels);
            var spread = backend.Allocate(batch * pooling.Channels * pooling.Spatial);
            backend.GlobalAvgPool2DForward(planes, means, batch, pooling);
            backend.GlobalAvgPool2DBackward(means, spread, batch, pooling);
            return [joined, back, padded, cropped, large, smallGradient, means, spread];
        });
    }

    [Theory]
    [InlineData(2, 5, 7, 7, 6, 3, 1, 1, 1)]
    [InlineData(2, 4, 9, 8, 6, 3, 2, 0, 2)]
    [InlineData(1, 6, 6, 6, 6, 3, 1, 1, 6)]
    public void Convolutions_match_the_cpu(int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride, int pad, int groups)
    {
        int outHeight = (height + 2 * pad - kernel) / stride + 1, outWidth = (width + 2 * pad - kernel) / stride + 1;
        var g = new Conv2DGeometry(inChannels, height, width, outChannels, kernel, kernel, stride, stride, pad, pad, outHeight, outWidth, groups);
        Same($"conv {g}", backend =>
        {
            var x = Support.Upload(backend, Support.Random(batch * g.InputSize, 20));
            var w = Support.Upload(backend, Support.Random(g.WeightSize, 21));
            var b = Support.Upload(backend, Support.Random(outChannels, 22));
            var workspace = backend.Allocate(backend.Conv2DWorkspaceLength(g, batch));
            var y = backend.Allocate(batch * g.OutputSize);
            var dy = Support.Upload(backend, Support.Random(batch * g.OutputSize, 23));
            var dx = backend.Allocate(batch * g.InputSize);
            var dw = backend.Allocate(g.WeightSize);
            var db = backend.Allocate(outChannels);
            backend.Conv2DForward(x, w, b, y, workspace, batch, g);
            backend.Conv2DBackward(x, w, dy, dx, dw, db, workspace, batch, g);
            return [y, dx, dw, db];
        }, 1e-5);
    }

    [Fact]
    public void Transposed_convolutions_match_the_cpu()
    {
        const int batch = 2;
        var g = new Conv2DTransposeGeometry(3, 4, 4, 2, 3, 3, 2, 2, PadTop: 0, PadLeft: 0, OutHeight: 8, OutWidth: 8);
        Same($"transposed conv {g}", backend =>
        {
            var x = Support.Upload(backend, Support.Random(batch * g.InputSize, 24));
            var w = Support.Upload(backend, Support.Random(g.WeightSize, 25));
            var b = Support.Upload(backend, Support.Random(g.OutChannels, 26));
            var workspace = backend.Allocate(backend.Conv2DWorkspaceLength(g.Convolution, batch));
            var y = backend.Allocate(batch * g.OutputSize);
            var dy = Support.Upload(backend, Support.Random(batch * g.OutputSize, 27));
            var dx = backend.Allocate(batch * g.InputSize);
            var dw = backend.Allocate(g.WeightSize);
            var db = backend.Allocate(g.OutChannels);
            backend.Conv2DTransposeForward(x, w, b, y, workspace, batch, g);
            backend.Conv2DTransposeBackward(x, w, dy, dx, dw, db, workspace, batch, g);
            return [y, dx, dw, db];
        }, 1e-5);
    }

    [Theory]
    [InlineData(2, 2, 2, 0)]
    [InlineData(3, 3, 2, 1)]
    [InlineData(3, 3, 1, 1)]
    public void Pooling_matches_the_cpu(int window, int _, int stride, int pad)
    {
        const int batch = 2, channels = 3, height = 7, width = 6;
        int outHeight = (height + 2 * pad - window) / stride + 1, outWidth = (width + 2 * pad - window) / stride + 1;
        var g = new Pool2DGeometry(channels, height, width, window, window, stride, stride, pad, pad, outHeight, outWidth);
        Same($"pooling {g}", backend =>
        {
            // Few distinct values, so that windows hold ties: the first largest cell must take the gradient on both.
            var values = Support.Random(batch * g.InputSize, 28).Select(v => MathF.Round(v * 3)).ToArray();
            var x = Support.Upload(backend, values);
            var max = backend.Allocate(batch * g.OutputSize);
            var mean = backend.Allocate(batch * g.OutputSize);
            var dy = Support.Upload(backend, Support.Random(batch * g.OutputSize, 29));
            var dxMax = backend.Allocate(batch * g.InputSize);
            var dxMean = backend.Allocate(batch * g.InputSize);
            backend.MaxPool2DForward(x, max, batch, g);
            backend.MaxPool2DBackward(x, dy, dxMax, batch, g);
            backend.AvgPool2DForward(x, mean, batch, g);
            backend.AvgPool2DBackward(dy, dxMean, batch, g);
            return [max, dxMax, mean, dxMean];
        });
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Batch_norm_matches_the_cpu(bool affine, bool training)
    {
        const int batch = 3;
        var g = new BatchNormGeometry(4, 5, 0.9f, 1e-3f);
        Same($"batch norm affine {affine} training {training}", backend =>
        {
            // A large common offset and non-trivial running statistics, so that a dropped term or epsilon shows.
            var x = Support.Upload(backend, Support.Random(batch * g.Size, 30).Select(v => v + 3f).ToArray());
            var gamma = affine ? Support.Upload(backend, Support.Random(4, 31, 0.5f, 1.5f)) : null;
            var beta = affine ? Support.Upload(backend, Support.Random(4, 32)) : null;
            var buffers = new BatchNormBuffers(gamma, beta, Support.Upload(backend, Support.Random(4, 33)),
                Support.Upload(backend, Support.Random(4, 34, 0.5f, 2f)), backend.Allocate(4), backend.Allocate(4));
            var y = backend.Allocate(batch * g.Size);
            var dy = Support.Upload(backend, Support.Random(batch * g.Size, 35));
            var dx = backend.Allocate(batch * g.Size);
            var dgamma = backend.Allocate(4);
            var dbeta = backend.Allocate(4);
            backend.BatchNormForward(x, y, buffers, batch, g, training);
            if (!training) return [y];
            backend.BatchNormBackward(x, dy, dx, affine ? dgamma : null, affine ? dbeta : null, buffers, batch, g);
            return affine ? [y, buffers.RunningMean, buffers.RunningVariance, buffers.SavedMean, buffers.SavedInverseStd, dx, dgamma, dbeta]
                : [y, buffers.RunningMean, buffers.RunningVariance, dx];
        }, 1e-5);
    }

    [Fact]
    public void Generated_networks_predict_and_backpropagate_as_on_the_cpu()
    {
        // Same seed, so the same weights; forward, then backward from a given output gradient, on both backends.
        Compare<FashionMlp>(3, 1e-5);
        Compare<LeNet5>(2, 1e-5);
        Compare<FashionResNet>(2, 1e-4);
        // Every cell, both directions (the reversed one accumulating the shared input gradient), sequences and last steps.
        Compare<Layers.StackedRecurrentNet>(3, 1e-5);
        Compare<Layers.GruSequenceNet>(2, 1e-5);
        Compare<FashionGru>(2, 1e-4);

        static void Compare<TNetwork>(int batch, double tolerance) where TNetwork : INetwork<TNetwork>
        {
            var cpu = TNetwork.Create(batch, Cpu, seed: 5);
            var gpu = TNetwork.Create(batch, Gpu, seed: 5);
            var input = Support.Random(batch * TNetwork.InputSize, 16, 0f, 1f);
            var gradient = Support.Random(batch * TNetwork.OutputSize, 17);
            foreach (var network in new INetwork[] { cpu, gpu })
            {
                network.Backend.Upload(input, network.Input);
                network.Forward(batch, training: true);
                network.Backend.Upload(gradient, network.OutputGradient);
                network.Backward(batch, outputGradientIsForLogits: true);
            }
            string name = typeof(TNetwork).Name;
            Support.Close(Support.ToDouble(Support.Download(Cpu, cpu.Output)), Support.Download(Gpu, gpu.Output), tolerance, $"{name} output");
            for (int p = 0; p < cpu.Parameters.Count; p++)
            {
                var (value, gradientName) = (cpu.Parameters[p].Name, cpu.Parameters[p].Name + " gradient");
                Support.Close(Support.ToDouble(Support.Download(Cpu, cpu.Parameters[p].Value)), Support.Download(Gpu, gpu.Parameters[p].Value), 0, $"{name} {value}");
                Support.Close(Support.ToDouble(Support.Download(Cpu, cpu.Parameters[p].Gradient)), Support.Download(Gpu, gpu.Parameters[p].Gradient), tolerance,
                    $"{name} {gradientName}");
            }
        }
    }

    [Fact]
    public void Every_optimizer_updates_on_the_device_as_on_the_cpu()
    {
        foreach (var create in new Func<Optimizer>[] { () => new Sgd(0.1f), () => new Momentum(0.1f, 0.9f), () => new Nesterov(0.1f, 0.9f),
            () => new Adagrad(0.1f), () => new RmsProp(0.01f), () => new Adadelta(1f), () => new Adam(0.01f),
            () => new AdamW(0.01f, weightDecay: 0.1f) { MaxGradientNorm = 0.5f }, () => new Sgd(0.1f) { WeightDecay = 0.2f, MaxGradientNorm = 1f } })
        {
            var (onCpu, onGpu) = (create(), create());
            Same(onCpu.Name, backend =>
            {
                var optimizer = backend == Cpu ? onCpu : onGpu;
                var parameter = new Parameter(backend, "w", [3, 7], ParameterInit.Zeros);
                parameter.CopyFrom(Support.Random(21, 40));
                for (int step = 0; step < 3; step++)
                {
                    backend.Upload(Support.Random(21, 41 + step), parameter.Gradient);
                    optimizer.Step([parameter]);
                }
                return [parameter.Value];
            }, 1e-6);
        }
    }

    public static TheoryData<string, bool> LossCases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var loss in global::Unroll.Losses.All)
        {
            data.Add(loss.Name, false);
            if (loss.FusesWith is not null) data.Add(loss.Name, true);
        }
        data.Add("custom", false);
        return data;
    }

    [Theory]
    [MemberData(nameof(LossCases))]
    public void Losses_match_the_cpu(string name, bool logits)
    {
        const int batch = 5, size = 7, slot = 1;
        var loss = name == "custom" ? new HalfSquaredError() : global::Unroll.Losses.FromName(name);
        var rng = new Random(60);
        // Probabilities away from the clips for the probability forms; logits of either sign for the fused ones.
        var prediction = Support.Random(batch * size, 61, logits ? -3f : 0.05f, logits ? 3f : 0.95f);
        var target = new float[batch * loss.TargetSize(size)];
        for (int i = 0; i < target.Length; i++)
            target[i] = loss is SparseCategoricalCrossEntropy ? rng.Next(size) : loss is Hinge or SquaredHinge ? rng.Next(2) : (float)rng.NextDouble();
        Same($"{name}{(logits ? " from logits" : "")}", backend =>
        {
            var p = Support.Upload(backend, prediction);
            var t = Support.Upload(backend, target);
            var g = backend.Allocate(batch * size);
            var result = backend.Allocate(slot + 1);
            backend.LossForward(loss, logits, p, t, g, 0.5f, result, slot, batch, size);
            return [g, result];
        }, 1e-5);
    }

    /// <summary>A loss the ILGPU backend has no kernel for: it computes it on the host.</summary>
    private sealed class HalfSquaredError : Loss
    {
        public override string Name => "half_squared_error";

        public override float Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, int outputSize)
        {
            Validate(prediction, target, gradient, batch, outputSize);
            float sum = 0;
            for (int i = 0; i < prediction.Length; i++)
            {
                float d = prediction[i] - target[i];
                sum += d * d / 2;
                gradient[i] = d / prediction.Length;
            }
            return sum / prediction.Length;
        }
    }

    [Fact]
    public void The_correct_count_matches_the_cpu()
    {
        // Ties (the first largest wins), a binary output on both sides of its threshold, and a wrong label.
        Same("correct count", backend =>
        {
            var result = backend.Allocate(2);
            var scores = Support.Upload(backend, [0.1f, 0.7f, 0.7f, 0.9f, 0.2f, 0.3f, 0.5f, 0.5f, 0.1f]);
            backend.CountCorrect(scores, Support.Upload(backend, [1f, 0f, 1f]), result, 0, 3, 3, 0.5f);
            var binary = Support.Upload(backend, [0.6f, 0.4f, 0.5f, 0.9f]);
            backend.CountCorrect(binary, Support.Upload(backend, [1f, 0f, 0f, 0f]), result, 1, 4, 1, 0.5f);
            Assert.Equal([2f, 3f], Support.Download(backend, result)); // the third row's tie goes to class 0; 0.5 is not above 0.5
            return [result];
        }, tolerance: 0);
    }

    [Fact]
    public void Training_steps_match_the_cpu()
    {
        // Three Adam steps through the trainer on each backend, from the same weights and samples. The tolerances: float
        // sums in another order on each backend (a few ulps a layer), grown through three steps of Adam, whose first steps
        // move each weight by about the learning rate whatever the gradient's size, so a gradient near zero that differs
        // in its last bits moves its weight differently. FashionResNet's batch norm (dividing by the batch's spread) and
        // FashionGru's 28 steps of products grow the differences most.
        TrainAlike<LeNet5>(4, 1e-5);
        TrainAlike<FashionResNet>(2, 1e-4);
        TrainAlike<FashionGru>(2, 1e-4);

        static void TrainAlike<TNetwork>(int batch, double tolerance) where TNetwork : INetwork<TNetwork>
        {
            var data = Dataset.ForClassification(Support.Random(batch * TNetwork.InputSize, 50, 0f, 1f), TNetwork.InputSize,
                Enumerable.Range(0, batch).Select(i => i % 10).ToArray(), 10);
            var samples = Enumerable.Range(0, batch).ToArray();
            var cpu = new Trainer<TNetwork>(TNetwork.Create(batch, Cpu, seed: 3), new SparseCategoricalCrossEntropy(), new Adam());
            var gpu = new Trainer<TNetwork>(TNetwork.Create(batch, Gpu, seed: 3), new SparseCategoricalCrossEntropy(), new Adam());
            var name = typeof(TNetwork).Name;
            for (int step = 0; step < 3; step++)
            {
                var (cpuLoss, cpuCorrect) = cpu.TrainStep(data, samples);
                var (gpuLoss, gpuCorrect) = gpu.TrainStep(data, samples);
                Support.Close([cpuLoss], [gpuLoss], tolerance, $"{name} loss at step {step}");
                Assert.Equal(cpuCorrect, gpuCorrect);
            }
            for (int p = 0; p < cpu.Network.Parameters.Count; p++)
                Support.Close(Support.ToDouble(Support.Download(Cpu, cpu.Network.Parameters[p].Value)), Support.Download(Gpu, gpu.Network.Parameters[p].Value),
                    tolerance, $"{name} {cpu.Network.Parameters[p].Name}");
        }
    }

    [Fact]
    public void Misuse_is_named()
    {
        var host = Cpu.Allocate(4);
        var e = Assert.Throws<ArgumentException>(() => Gpu.Add(host, host, host, 4));
        Assert.Contains("another backend", e.Message);
        var shortBuffer = Gpu.Allocate(3);
        e = Assert.Throws<ArgumentException>(() => Gpu.Scale(shortBuffer, shortBuffer, 2f, 4));
        Assert.Contains("holds 3 values", e.Message);
        Assert.Throws<NotSupportedException>(() => shortBuffer.Span.Length);
    }

    [Fact]
    public void Asking_for_cuda_without_a_gpu_is_an_error_not_a_fallback()
    {
        IlgpuBackend? cuda = null;
        try
        {
            cuda = IlgpuBackend.Create(IlgpuDevice.Cuda);
            Assert.Equal(IlgpuDevice.Cuda, cuda.Device); // a machine with a GPU
            Assert.StartsWith("ilgpu cuda", cuda.Name);
        }
        catch (InvalidOperationException e)
        {
            Assert.Contains("No CUDA device", e.Message);
        }
        finally
        {
            cuda?.Dispose();
        }
    }
}
