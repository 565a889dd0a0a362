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
    internal static readonly IlgpuBackend Gpu = IlgpuBackend.Create(IlgpuDevice.Cpu);
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

    [Fact]
    public void A_generated_network_predicts_and_backpropagates_as_on_the_cpu()
    {
        // FashionMlp (Dense, Relu, softmax): same seed, so the same weights; forward, then backward from a given output gradient.
        const int batch = 3;
        var cpu = FashionMlp.Create(batch, Cpu, seed: 5);
        var gpu = FashionMlp.Create(batch, Gpu, seed: 5);
        var input = Support.Random(batch * FashionMlp.InputSize, 16, 0f, 1f);
        var gradient = Support.Random(batch * FashionMlp.OutputSize, 17);
        foreach (var network in new INetwork[] { cpu, gpu })
        {
            network.Backend.Upload(input, network.Input);
            network.Forward(batch, training: true);
            network.Backend.Upload(gradient, network.OutputGradient);
            network.Backward(batch, outputGradientIsForLogits: true);
        }
        Support.Close(Support.ToDouble(Support.Download(Cpu, cpu.Output)), Support.Download(Gpu, gpu.Output), 1e-6, "output");
        for (int p = 0; p < cpu.Parameters.Count; p++)
        {
            Support.Close(Support.ToDouble(Support.Download(Cpu, cpu.Parameters[p].Value)), Support.Download(Gpu, gpu.Parameters[p].Value), 0, cpu.Parameters[p].Name);
            Support.Close(Support.ToDouble(Support.Download(Cpu, cpu.Parameters[p].Gradient)), Support.Download(Gpu, gpu.Parameters[p].Gradient), 1e-5,
                cpu.Parameters[p].Name + " gradient");
        }
    }

    [Fact]
    public void A_network_that_needs_a_missing_kernel_fails_at_construction_naming_it()
    {
        var e = Assert.Throws<NotSupportedException>(() => LeNet5.Create(1, Gpu, seed: 1));
        Assert.Contains("Conv2DForward", e.Message);
        Assert.Contains(Gpu.Name, e.Message);
    }

    [Fact]
    public void Supported_operations_are_backend_operations_and_misuse_is_named()
    {
        var operations = typeof(IBackend).GetInterfaces().Append(typeof(IBackend)).SelectMany(i => i.GetMethods()).Select(m => m.Name).ToHashSet();
        Assert.All(IlgpuBackend.SupportedOperations, name => Assert.Contains(name, operations));
        Assert.True(Gpu.Supports(nameof(IBackend.DenseForward)));
        Assert.False(Gpu.Supports(nameof(IBackend.Conv2DForward)));

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
