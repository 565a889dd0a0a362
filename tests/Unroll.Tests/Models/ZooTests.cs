using System;
using Unroll.Models;
using Xunit;

namespace Unroll.Tests.Models;

/// <summary>
/// The model zoo's parameter counts against the figures published by each reference implementation, its shapes, and
/// one training step per model. <c>Total</c> is Keras's "Total params" (BatchNorm's running mean and variance
/// included); <c>trainable</c> is PyTorch's <c>sum(p.numel() for p in model.parameters())</c>. Every figure was also
/// recomputed from the definition methods by an evaluator independent of the generator (see the report of the zoo
/// branch): the two agree.
/// </summary>
public class ZooTests
{
    private static void AssertCounts<T>(long total, long trainable) where T : INetwork<T>
    {
        Assert.Equal(total, T.ParameterCount);
        Assert.Equal(trainable, T.TrainableParameterCount);
    }

    /// <summary>
    /// Multiply-adds of one sample's convolutions and dense layers, in billions to two places, read from the summary's
    /// MACs column: what torchvision publishes as each model's "GFLOPS" (meta["_ops"]), which counts those layers only.
    /// </summary>
    private static double ConvolutionAndDenseGigaMacs<T>() where T : INetwork<T>
    {
        long total = 0;
        foreach (var line in T.Summary.Split('\n'))
        {
            var row = System.Text.RegularExpressions.Regex.Match(line, @"^ \S+ \((\w+)\)\s+\(.*?\)\s+\d+\s+(\d+)");
            if (row.Success && row.Groups[1].Value is "Conv2D" or "Dense" or "DepthwiseConv2D" or "SeparableConv2D")
                total += long.Parse(row.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        return Math.Round(total / 1e9, 2);
    }

    // torchvision's published GFLOPS: alexnet 0.71, vgg16 15.47, inception_v3 5.71, resnext50_32x4d 4.23. Its
    // resnet50 (4.09) is v1.5, striding in the 3×3 convolution; Keras's ResNet50, ours, strides in the first 1×1 (3.86).
    [Fact]
    public void Multiply_adds_match_the_published_figures()
    {
        Assert.Equal(0.71, ConvolutionAndDenseGigaMacs<AlexNet>());
        Assert.Equal(15.47, ConvolutionAndDenseGigaMacs<Vgg16>());
        Assert.Equal(5.71, ConvolutionAndDenseGigaMacs<InceptionV3>());
        Assert.Equal(4.23, ConvolutionAndDenseGigaMacs<ResNeXt50>());
        Assert.Equal(3.86, ConvolutionAndDenseGigaMacs<ResNet50>());
        // Every layer counts in the total: activations, pooling, BatchNorm and additions add 0.7% to ResNet50's.
        Assert.Equal(3_885_069_288, ResNet50.MultiplyAdds);
    }

    // torch.nn.GRU(28, 128): 3·128·(28 + 128) + 2·3·128 = 60,672; nn.LSTM(28, 128): 4·128·(28 + 128) + 2·4·128 = 80,896;
    // then Dense(128 → 10): 1,290.
    [Fact]
    public void Recurrent_fashion_classifiers_match_pytorch()
    {
        AssertCounts<FashionGru>(61_962, 61_962);
        AssertCounts<FashionLstm>(82_186, 82_186);
        Assert.Equal(60_672, FashionGru.Layers.Gru1.ParameterCount);
        Assert.Equal(80_896, FashionLstm.Layers.Lstm1.ParameterCount);
        Assert.Equal(new[] { 28, 28 }, FashionGru.InputShape.ToArray());
    }

    private static void AssertShapes<T>(int[] input, int output) where T : INetwork<T>
    {
        Assert.Equal(input, T.InputShape.ToArray());
        Assert.Equal(output, T.OutputSize);
        Assert.Equal(new[] { output }, T.OutputShape.ToArray());
    }

    // keras.applications.VGG16().summary(): Total params 138,357,544 (no BatchNorm: all trainable).
    [Fact]
    public void Vgg16_matches_keras()
    {
        AssertCounts<Vgg16>(138_357_544, 138_357_544);
        AssertShapes<Vgg16>([3, 224, 224], 1000);
    }

    // torchvision.models.alexnet(): AlexNet_Weights.IMAGENET1K_V1.meta["num_params"] = 61,100,840.
    [Fact]
    public void AlexNet_matches_torchvision()
    {
        AssertCounts<AlexNet>(61_100_840, 61_100_840);
        AssertShapes<AlexNet>([3, 224, 224], 1000);
    }

    // keras.applications.ResNet50().summary(): Total params 25,636,712, Trainable params 25,583,592.
    [Fact]
    public void ResNet50_matches_keras()
    {
        AssertCounts<ResNet50>(25_636_712, 25_583_592);
        AssertShapes<ResNet50>([3, 224, 224], 1000);
    }

    // torchvision.models.resnext50_32x4d(): ResNeXt50_32X4D_Weights.IMAGENET1K_V1.meta["num_params"] = 25,028,904;
    // plus running mean and variance of 34,112 BatchNorm channels: 25,028,904 + 68,224 = 25,097,128.
    [Fact]
    public void ResNeXt50_matches_torchvision()
    {
        AssertCounts<ResNeXt50>(25_097_128, 25_028_904);
        AssertShapes<ResNeXt50>([3, 224, 224], 1000);
    }

    // torchvision.models.googlenet(aux_logits=True, init_weights=True): 13,004,888 parameters (6,624,904 without the
    // auxiliary heads, GoogLeNet_Weights.IMAGENET1K_V1.meta["num_params"]); plus running statistics of 7,536 BatchNorm
    // channels: 13,004,888 + 15,072 = 13,019,960.
    [Fact]
    public void InceptionV1_matches_torchvision_googlenet_with_auxiliary_heads()
    {
        AssertCounts<InceptionV1>(13_019_960, 13_004_888);
        AssertShapes<InceptionV1>([3, 224, 224], 1000);
    }

    [Fact]
    public void InceptionV1_has_main_output_first_then_two_auxiliary_heads()
    {
        INetwork network = Build<InceptionV1>(); // Outputs is a default interface member
        Assert.Equal(3, network.Outputs.Count);
        Assert.Same(network.Output, network.Outputs[0].Output);
        Assert.Equal(new[] { 1f, 0.3f, 0.3f }, new[] { network.Outputs[0].LossWeight, network.Outputs[1].LossWeight, network.Outputs[2].LossWeight });
        foreach (var output in network.Outputs)
        {
            Assert.Equal(Activation.Softmax, output.Activation);
            Assert.Equal(1000, output.Output.Length);
        }
    }

    // keras.applications.InceptionV3().summary(): Total params 23,851,784, Trainable params 23,817,352.
    [Fact]
    public void InceptionV3_matches_keras()
    {
        AssertCounts<InceptionV3>(23_851_784, 23_817_352);
        AssertShapes<InceptionV3>([3, 299, 299], 1000);
    }

    // timm.create_model("inception_v4"): sum(p.numel() for p in model.parameters()) = 42,679,816; plus running
    // statistics of 31,584 BatchNorm channels: 42,679,816 + 63,168 = 42,742,984.
    [Fact]
    public void InceptionV4_matches_timm()
    {
        AssertCounts<InceptionV4>(42_742_984, 42_679_816);
        AssertShapes<InceptionV4>([3, 299, 299], 1000);
    }

    // keras.applications.Xception().summary(): Total params 22,910,480, Trainable params 22,855,952.
    [Fact]
    public void Xception_matches_keras()
    {
        AssertCounts<Xception>(22_910_480, 22_855_952);
        AssertShapes<Xception>([3, 299, 299], 1000);
    }

    // keras.applications.InceptionResNetV2().summary(): Total params 55,873,736, Trainable params 55,813,192.
    [Fact]
    public void InceptionResNetV2_matches_keras()
    {
        AssertCounts<InceptionResNetV2>(55_873_736, 55_813_192);
        AssertShapes<InceptionResNetV2>([3, 299, 299], 1000);
    }

    // Our own designs; the figures are those documented on the classes.
    [Fact]
    public void Fashion_networks_stay_small()
    {
        AssertCounts<FashionResNet>(78_746, 78_042);
        AssertShapes<FashionResNet>([1, 28, 28], 10);
        AssertCounts<FashionInception>(38_266, 37_634);
        AssertShapes<FashionInception>([1, 28, 28], 10);
    }

    [Fact]
    public void Parameter_lists_add_up_to_the_counts()
    {
        AssertParameterLists<FashionResNet>();
        AssertParameterLists<FashionInception>();
        AssertParameterLists<ResNet50>();
        AssertParameterLists<InceptionV1>();
    }

    private static void AssertParameterLists<T>() where T : INetwork<T>
    {
        var network = Build<T>();
        long parameters = 0, statistics = 0;
        foreach (var p in network.Parameters) parameters += p.Length;
        foreach (var s in network.Statistics) statistics += s.Length;
        Assert.Equal(T.TrainableParameterCount, parameters);
        Assert.Equal(T.ParameterCount - T.TrainableParameterCount, statistics);
    }

    internal static T Build<T>() where T : INetwork<T> => T.Create(1, CpuBackend.Shared, 1);
}

/// <summary>
/// One forward and backward pass at batch 1 on the CPU per model, allocating nothing once constructed: one warm-up step,
/// one measured step. The ImageNet models take seconds per step, so they carry the trait Category=Large (skip them with
/// <c>--filter Category!=Large</c> when iterating); CI runs them. VGG-16 and AlexNet, the heaviest in memory, share a test.
/// </summary>
[Collection(nameof(NoAllocation))]
public class ZooStepTests
{
    private static void AssertStepAllocatesNothing<T>() where T : INetwork<T>
    {
        var network = ZooTests.Build<T>();
        // One warm-up step reaches every kernel size, so one measured step after it must allocate nothing.
        NoAllocation.Assert(() =>
        {
            network.Forward(1, training: true);
            network.Backward(1, outputGradientIsForLogits: true);
        }, warmUps: 1, runs: 1);
    }

    [Fact]
    public void FashionResNet_step_allocates_nothing() => AssertStepAllocatesNothing<FashionResNet>();

    [Fact]
    public void FashionInception_step_allocates_nothing() => AssertStepAllocatesNothing<FashionInception>();

    [Fact, Trait("Category", "Large")]
    public void ResNet50_step_allocates_nothing() => AssertStepAllocatesNothing<ResNet50>();

    [Fact, Trait("Category", "Large")]
    public void ResNeXt50_step_allocates_nothing() => AssertStepAllocatesNothing<ResNeXt50>();

    [Fact, Trait("Category", "Large")]
    public void InceptionV1_step_allocates_nothing() => AssertStepAllocatesNothing<InceptionV1>();

    [Fact, Trait("Category", "Large")]
    public void InceptionV3_step_allocates_nothing() => AssertStepAllocatesNothing<InceptionV3>();

    [Fact, Trait("Category", "Large")]
    public void InceptionV4_step_allocates_nothing() => AssertStepAllocatesNothing<InceptionV4>();

    [Fact, Trait("Category", "Large")]
    public void Xception_step_allocates_nothing() => AssertStepAllocatesNothing<Xception>();

    [Fact, Trait("Category", "Large")]
    public void InceptionResNetV2_step_allocates_nothing() => AssertStepAllocatesNothing<InceptionResNetV2>();

    // The two largest: VGG-16 (138 M parameters, 15.5 G multiply-accumulates forward) and AlexNet (61 M parameters).
    [Fact, Trait("Category", "Large")]
    public void Vgg16_and_AlexNet_steps_allocate_nothing()
    {
        AssertStepAllocatesNothing<Vgg16>();
        AssertStepAllocatesNothing<AlexNet>();
    }
}
