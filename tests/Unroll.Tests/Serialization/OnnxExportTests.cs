using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Unroll.Models;
using Unroll.Tests.Generator;
using Xunit;
using Xunit.Abstractions;

namespace Unroll.Tests.Serialization;

/// <summary>
/// <see cref="OnnxExport.SaveOnnx"/> against ONNX Runtime: each export loads, and on the same input gives the outputs
/// Unroll gives, every one of them, within 1e-4 (and, above 1e-6, within 1e-3 of each value's own size, so that small
/// probabilities count too). Weights are made
/// non-trivial first — random biases, BatchNorm scales, shifts and running statistics — since a new network's zero
/// biases and identity BatchNorm would hide a dropped bias or a wrong epsilon.
/// </summary>
public sealed class OnnxExportTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("unroll-onnx-");

    public void Dispose() => _work.Delete(recursive: true);

    private const int Batch = 2;

    /// <summary>Unroll's outputs for a random batch, by output name, and that batch.</summary>
    private static (float[] Input, Dictionary<string, float[]> Outputs) RunUnroll(INetwork network, int inputSize, int seed)
    {
        var random = new Random(seed + 1);
        var input = new float[Batch * inputSize];
        for (var i = 0; i < input.Length; i++) input[i] = random.NextSingle() * 2 - 1;
        input.CopyTo(network.Input.Span);
        network.Forward(Batch, training: false);
        var outputs = network.Outputs.ToDictionary(o => o.Name, o => o.Output.Span[..(Batch * (o.Output.Length / network.Capacity))].ToArray());
        return (input, outputs);
    }

    private static Dictionary<string, float[]> RunOnnxRuntime(string path, string inputName, float[] input, int[] sampleShape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        Assert.Equal(inputName, Assert.Single(session.InputMetadata).Key);
        var tensor = new DenseTensor<float>(input, [Batch, .. sampleShape]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, tensor)]);
        return results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
    }

    /// <summary>Exports, runs both and compares every output; returns the largest difference.</summary>
    private float AssertMatches(INetwork network, int[] inputShape, int seed = 7, string inputName = "input")
    {
        NonTrivialWeights.Apply(network, seed);
        var (input, expected) = RunUnroll(network, inputShape.Aggregate(1, (a, b) => a * b), seed);
        var path = Path.Combine(_work.FullName, network.GetType().Name + ".onnx");
        network.SaveOnnx(path);
        var actual = RunOnnxRuntime(path, inputName, input, inputShape);
        Assert.Equal(network.Outputs.Select(o => o.Name), actual.Keys);
        var worst = 0f;
        foreach (var (name, want) in expected)
        {
            var got = actual[name];
            Assert.Equal(want.Length, got.Length);
            for (var i = 0; i < want.Length; i++)
            {
                var difference = Math.Abs(want[i] - got[i]);
                worst = Math.Max(worst, difference);
                if (!(difference <= 1e-4f && difference <= 1e-6f + 1e-3f * Math.Abs(want[i])))
                    Assert.Fail($"{network.GetType().Name} output '{name}'[{i}]: Unroll {want[i]:R}, ONNX Runtime {got[i]:R} (difference {difference:G3}).");
            }
        }
        output.WriteLine($"{network.GetType().Name}: {new FileInfo(path).Length:N0} bytes, {expected.Count} output(s), largest difference {worst:G3}");
        return worst;
    }

    private float AssertMatches<T>(int seed = 7) where T : INetwork<T>
        => AssertMatches(T.Create(Batch, CpuBackend.Shared, seed), T.InputShape.ToArray(), seed);

    [Fact] public void LeNet5() => AssertMatches<LeNet5>();
    [Fact] public void FashionResNet() => AssertMatches<FashionResNet>();
    [Fact] public void FashionInception() => AssertMatches<FashionInception>();
    [Fact] public void ResNet50() => AssertMatches<ResNet50>();
    [Fact] public void InceptionV3() => AssertMatches<InceptionV3>();
    [Fact] public void Xception() => AssertMatches<Xception>();
    [Fact] public void FashionGru() => AssertMatches<FashionGru>();
    [Fact] public void FashionLstm() => AssertMatches<FashionLstm>();
    [Fact] public void FashionConvAutoencoder() => AssertMatches<FashionConvAutoencoder>();

    /// <summary>Every image layer and activation the zoo leaves out, with the odd cases of each: 'same' padding split
    /// unevenly, a transposed convolution whose stride exceeds its kernel, BatchNorm without scale or center and on
    /// vectors, softmax over a whole image, a linear activation and dropout as outputs' neighbours.</summary>
    public const string ImageLayers = """
        using Unroll;
        [Network(3, 11, 12)]
        [ZeroPadding2D(1, 2, 0, 1)]
        [Conv2D(4, 3, Stride = 2, Padding = Padding.Same)]
        [BatchNorm(Scale = false, Center = false, Epsilon = 0.01)]
        [LeakyRelu(0.2)]
        [DepthwiseConv2D(3, DepthMultiplier = 2, Padding = Padding.Same)]
        [Elu(0.7)]
        [SeparableConv2D(6, 3, Stride = 2, UseBias = false)]
        [Sigmoid]
        [Conv2DTranspose(5, 3, Stride = 2, Padding = Padding.Same)]
        [Conv2DTranspose(3, 1, Stride = 2)]
        [UpSampling2D(2, 3)]
        [AvgPool2D(3, Stride = 2, Padding = Padding.Same)]
        [MaxPool2D(3, Stride = 2, Pad = 1)]
        [Tanh]
        [Scale(0.5)]
        [Softmax]
        [Dropout(0.3)]
        [Flatten]
        [Dense(16, UseBias = false)]
        [BatchNorm]
        [Linear]
        [Dense(5)]
        [Dropout(0.5)]
        public partial class ImageLayers;
        """;

    /// <summary>Recurrent layers both ways, every step and the last, a per-step softmax and a Reshape; a layer called input.</summary>
    public const string SequenceLayers = """
        using Unroll;
        [Network(30)]
        [Reshape(6, 5, Name = "input")]
        [Lstm(7, ReturnSequences = true, Bidirectional = true)]
        [Softmax]
        [SimpleRnn(4, ReturnSequences = true, Bidirectional = true)]
        [Gru(3, ReturnSequences = true)]
        [Lstm(5, Bidirectional = true)]
        [Reshape(5, 2)]
        [Gru(3, Bidirectional = true)]
        [Reshape(3, 2)]
        [SimpleRnn(2)]
        public partial class SequenceLayers;
        """;

    private INetwork Compile(string source, string typeName)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        var type = GeneratorHarness.Load(run, typeName);
        return (INetwork)Activator.CreateInstance(type, Batch, CpuBackend.Shared, 5)!;
    }

    [Fact]
    public void Every_image_layer_and_activation()
        => AssertMatches(Compile(ImageLayers, "ImageLayers"), [3, 11, 12]);

    [Fact]
    public void Every_recurrent_form_and_an_input_renamed_for_a_layer_called_input()
        => AssertMatches(Compile(SequenceLayers, "SequenceLayers"), [30], inputName: "input_1");

    [Fact]
    public void An_auxiliary_head_is_a_second_output()
        => AssertMatches(Compile(GraphNetworks.Inception, "SmallInception"), [3, 17, 17]);

    [Fact]
    public void The_comparison_sees_a_changed_running_variance()
    {
        // The check above is only worth its tolerance if a small change in one statistic shows: export, then change.
        var network = global::Unroll.Models.FashionResNet.Create(Batch, CpuBackend.Shared, 3);
        NonTrivialWeights.Apply(network, 3);
        var path = Path.Combine(_work.FullName, "changed.onnx");
        network.SaveOnnx(path);
        var variance = network.Statistics.First(p => p.Name.EndsWith("running_var", StringComparison.Ordinal));
        var values = new float[variance.Length];
        variance.CopyTo(values);
        values[0] *= 1.01f;
        variance.CopyFrom(values);
        var (input, expected) = RunUnroll(network, 784, 3);
        var actual = RunOnnxRuntime(path, "input", input, [1, 28, 28]);
        var worst = expected["softmax_1"].Zip(actual["softmax_1"], (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst > 1e-5f, $"a 1% change in one running variance moved the outputs by only {worst:G3}");
    }

    [Fact]
    public void Non_finite_weights_are_refused_and_nothing_is_written()
    {
        var network = global::Unroll.Models.LeNet5.Create(1, CpuBackend.Shared, 1);
        var bias = network.Parameters.First(p => p.Name == "dense_2.bias");
        var values = new float[bias.Length];
        values[3] = float.NaN;
        bias.CopyFrom(values);
        var path = Path.Combine(_work.FullName, "nan.onnx");
        var e = Assert.Throws<InvalidOperationException>(() => network.SaveOnnx(path));
        Assert.Contains("'dense_2.bias'", e.Message);
        Assert.Contains("index 3 is NaN", e.Message);
        Assert.Empty(_work.GetFileSystemInfos());
    }

    [Fact]
    public void A_bad_path_is_reported_before_any_work()
    {
        var network = global::Unroll.Models.LeNet5.Create(1, CpuBackend.Shared, 1);
        var missing = Assert.Throws<DirectoryNotFoundException>(() => network.SaveOnnx(Path.Combine(_work.FullName, "no", "lenet.onnx")));
        Assert.StartsWith("Cannot save the ONNX model to", missing.Message);
        var directory = Assert.Throws<IOException>(() => network.SaveOnnx(_work.FullName));
        Assert.Contains("is a directory", directory.Message);
    }

    [Fact]
    public void A_saved_model_is_replaced_whole()
    {
        var path = Path.Combine(_work.FullName, "lenet.onnx");
        File.WriteAllText(path, "an older file");
        var network = global::Unroll.Models.LeNet5.Create(1, CpuBackend.Shared, 1);
        network.SaveOnnx(path);
        using var session = new InferenceSession(path);
        Assert.Equal(["softmax_1"], session.OutputMetadata.Keys);
        Assert.Equal([-1, 10], session.OutputMetadata["softmax_1"].Dimensions);
        Assert.Equal(["lenet.onnx"], _work.GetFiles().Select(f => f.Name));
    }
}
