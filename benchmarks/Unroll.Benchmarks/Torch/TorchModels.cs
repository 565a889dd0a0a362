using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Unroll.Benchmarks.Torch;

// Unroll.Tensor (the definition-method symbol) would otherwise win over libtorch\'s tensor inside namespace Unroll.
using Tensor = TorchSharp.torch.Tensor;

/// <summary>
/// The zoo networks the comparison runs, written in TorchSharp with the same layers and shapes as Unroll's declarations
/// (src/Models). Training heads end in logits (the loss applies softmax, as Unroll's fused softmax cross-entropy does);
/// <c>withSoftmax</c> adds the softmax that Unroll's inference output includes.
/// </summary>
internal static class TorchModels
{
    /// <summary>Unroll.Models.FashionMlp: 784 → 256 → 128 → 10.</summary>
    public static Module<Tensor, Tensor> FashionMlp(bool withSoftmax) => Head(withSoftmax,
        Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10));

    /// <summary>Unroll.Models.LeNet5: conv 6@5×5 same, pool, conv 16@5×5 valid, pool, 120, 84, 10.</summary>
    public static Module<Tensor, Tensor> LeNet5(bool withSoftmax) => Head(withSoftmax,
        Conv2d(1, 6, 5, padding: 2), ReLU(), MaxPool2d(2),
        Conv2d(6, 16, 5), ReLU(), MaxPool2d(2),
        Flatten(), Linear(400, 120), ReLU(), Linear(120, 84), ReLU(), Linear(84, 10));

    /// <summary>
    /// Unroll.Models.ResNet50, which follows Keras: biased convolutions, BatchNorm ε = 1.001e-5 and momentum 0.99
    /// (PyTorch's momentum is 1 − Keras's), explicit zero padding in the stem, the stride on the first 1×1 of a block.
    /// </summary>
    public static Module<Tensor, Tensor> ResNet50(bool withSoftmax)
    {
        var layers = new System.Collections.Generic.List<Module<Tensor, Tensor>>
        {
            ZeroPad2d(3), Conv2d(3, 64, 7, stride: 2), Norm(64), ReLU(), ZeroPad2d(1), MaxPool2d(3, 2),
        };
        var channels = 64;
        foreach (var (filters, blocks, stride) in new[] { (64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2) })
        {
            for (var i = 0; i < blocks; i++)
            {
                layers.Add(new Bottleneck(channels, filters, i == 0 ? stride : 1, projection: i == 0));
                channels = 4 * filters;
            }
        }
        layers.AddRange([AdaptiveAvgPool2d(1), Flatten(), Linear(2048, 1000)]);
        return Head(withSoftmax, layers.ToArray());
    }

    /// <summary>The ResNet-50 (training head unless <paramref name="withSoftmax"/>), checked to have exactly as many parameters (and BatchNorm statistics) as Unroll's.</summary>
    public static Module<Tensor, Tensor> ResNet50Checked(bool withSoftmax = false)
    {
        var model = ResNet50(withSoftmax);
        if (ParameterCount(model) != Unroll.Models.ResNet50.ParameterCount)
            throw new InvalidOperationException($"TorchSharp ResNet-50 has {ParameterCount(model):N0} parameters, Unroll's {Unroll.Models.ResNet50.ParameterCount:N0}: the two models differ.");
        return model;
    }

    /// <summary>
    /// Unroll.Models.FashionResNet: a 16-filter 3×3 stem (no bias) + BN + ReLU at 28×28, then one downsampling basic block
    /// each of 16, 32 and 64 filters (3×3 stride 2 → BN → ReLU → 3×3 → BN, plus a 1×1 stride-2 projection + BN, then
    /// ReLU), global average pooling and Linear(64, 10). BatchNorm as Keras's defaults: ε = 1e-3, momentum 0.99.
    /// Keras's "same" padding is reproduced exactly, including its extra row and column at the bottom and right where a
    /// stride-2 3×3 convolution needs an odd padding (28 → 14 and 14 → 7).
    /// </summary>
    public static Module<Tensor, Tensor> FashionResNet(bool withSoftmax)
    {
        var layers = new System.Collections.Generic.List<Module<Tensor, Tensor>>
        {
            SameConv(1, 16, 3, 1, 28), KerasNorm(16), ReLU(),
        };
        var (channels, size) = (16, 28);
        foreach (var filters in new[] { 16, 32, 64 })
        {
            layers.Add(new BasicBlock(channels, filters, size));
            (channels, size) = (filters, (size + 1) / 2);
        }
        layers.AddRange([AdaptiveAvgPool2d(1), Flatten(), Linear(64, 10)]);
        return Head(withSoftmax, layers.ToArray());
    }

    /// <summary>The FashionResNet above, checked to have exactly as many parameters (and BatchNorm statistics) as Unroll's.</summary>
    public static Module<Tensor, Tensor> FashionResNetChecked(bool withSoftmax)
    {
        var model = FashionResNet(withSoftmax);
        if (ParameterCount(model) != Unroll.Models.FashionResNet.ParameterCount)
            throw new InvalidOperationException($"TorchSharp FashionResNet has {ParameterCount(model):N0} parameters, Unroll's {Unroll.Models.FashionResNet.ParameterCount:N0}: the two models differ.");
        return model;
    }

    /// <summary>
    /// A bias-free convolution with Keras's "same" padding on a <paramref name="size"/>² input: the output is
    /// ⌈size / stride⌉, and when the padding this needs is odd, the extra row and column go at the bottom and right.
    /// </summary>
    private static Module<Tensor, Tensor> SameConv(int inputs, int outputs, int kernel, int stride, int size)
    {
        var total = Math.Max(((size + stride - 1) / stride - 1) * stride + kernel - size, 0);
        var before = total / 2;
        var conv = Conv2d(inputs, outputs, kernel, stride: stride, padding: before, bias: false);
        return total % 2 == 0 ? conv : Sequential(ZeroPad2d((0, 1, 0, 1)), conv);
    }

    private static BatchNorm2d KerasNorm(int channels) => BatchNorm2d(channels, eps: 1e-3, momentum: 0.01);

    /// <summary>FashionResNet's block: residual and projection shortcut, both stride 2, added, then ReLU.</summary>
    private sealed class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> residual;
        private readonly Module<Tensor, Tensor> shortcut;

        public BasicBlock(int inputs, int filters, int size) : base(nameof(BasicBlock))
        {
            residual = Sequential(
                SameConv(inputs, filters, 3, 2, size), KerasNorm(filters), ReLU(),
                SameConv(filters, filters, 3, 1, (size + 1) / 2), KerasNorm(filters));
            shortcut = Sequential(SameConv(inputs, filters, 1, 2, size), KerasNorm(filters));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => functional.relu(residual.forward(x) + shortcut.forward(x));
    }

    /// <summary>
    /// Unroll.Models.FashionGru and FashionLstm: each image as 28 steps of 28 pixels, one <c>nn.GRU</c> or <c>nn.LSTM</c>
    /// of 128 units (batch first), its last step into Linear(128, 10).
    /// </summary>
    public static Module<Tensor, Tensor> FashionRecurrent(bool lstm, bool withSoftmax) => new RecurrentClassifier(lstm, withSoftmax);

    private sealed class RecurrentClassifier : Module<Tensor, Tensor>
    {
        private readonly GRU? gru;
        private readonly LSTM? lstm;
        private readonly Linear head;
        private readonly bool softmax;

        public RecurrentClassifier(bool useLstm, bool withSoftmax) : base(nameof(RecurrentClassifier))
        {
            if (useLstm) lstm = LSTM(28, 128, batchFirst: true);
            else gru = GRU(28, 128, batchFirst: true);
            head = Linear(128, 10);
            softmax = withSoftmax;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var steps = lstm is not null ? lstm.call(x.reshape(x.shape[0], 28, 28), null).Item1 : gru!.call(x.reshape(x.shape[0], 28, 28), null).Item1;
            var logits = head.forward(steps.select(1, -1));
            return softmax ? functional.softmax(logits, 1) : logits;
        }
    }

    private static Module<Tensor, Tensor> Head(bool withSoftmax, params Module<Tensor, Tensor>[] layers) =>
        withSoftmax ? Sequential([.. layers, Softmax(1)]) : Sequential(layers);

    private static BatchNorm2d Norm(int channels) => BatchNorm2d(channels, eps: 1.001e-5, momentum: 0.01);

    /// <summary>Keras's resnet.block1: 1×1 (strided) → 3×3 → 1×1 to 4·filters, plus the shortcut, then ReLU.</summary>
    private sealed class Bottleneck : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> residual;
        private readonly Module<Tensor, Tensor> shortcut;

        public Bottleneck(int inputs, int filters, int stride, bool projection) : base(nameof(Bottleneck))
        {
            residual = Sequential(
                Pointwise(inputs, filters, stride), Norm(filters), ReLU(),
                Conv2d(filters, filters, 3, padding: 1), Norm(filters), ReLU(),
                Conv2d(filters, 4 * filters, 1), Norm(4 * filters));
            shortcut = projection ? Sequential(Pointwise(inputs, 4 * filters, stride), Norm(4 * filters)) : Identity();
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => functional.relu(residual.forward(x) + shortcut.forward(x));
    }

    /// <summary>
    /// A 1×1 convolution. With stride 2 it is written as a 1×1 convolution of every other row and column, which is what a
    /// strided 1×1 convolution computes: libtorch 2.10's CPU backward of <c>Conv2d(1024, 512, 1, stride: 2)</c> on a 14×14
    /// input dies with SIGFPE here (the same layer on 56×56 inputs is fine), which would end the whole comparison.
    /// </summary>
    private static Module<Tensor, Tensor> Pointwise(int inputs, int outputs, int stride) =>
        stride == 1 ? Conv2d(inputs, outputs, 1) : new Subsampled(Conv2d(inputs, outputs, 1), stride);

    private sealed class Subsampled : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> inner;
        private readonly int stride;

        public Subsampled(Module<Tensor, Tensor> inner, int stride) : base(nameof(Subsampled))
        {
            this.inner = inner;
            this.stride = stride;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) =>
            inner.forward(x.slice(2, 0, x.shape[2], stride).slice(3, 0, x.shape[3], stride));
    }

    public static long ParameterCount(Module module)
    {
        long total = 0;
        foreach (var parameter in module.parameters()) total += parameter.numel();
        foreach (var (_, buffer) in module.named_buffers())
            if (buffer.dtype == ScalarType.Float32) total += buffer.numel(); // running mean and variance, as Keras counts them
        return total;
    }
}
