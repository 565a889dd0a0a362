namespace Unroll.Models;

/// <summary>
/// Inception-v4 (Szegedy et al., 2016) as timm's <c>timm.create_model("inception_v4")</c>: a stem with three mixed
/// blocks, 4 Inception-A modules at 35×35×384, Reduction-A, 7 Inception-B modules at 17×17×1024, Reduction-B and
/// 3 Inception-C modules at 8×8×1536. Input (3, 299, 299).
/// </summary>
/// <remarks>
/// <para>
/// As timm's <c>BasicConv2d</c>: bias-free convolutions followed by BatchNorm (eps 0.001, PyTorch momentum 0.1, i.e. 0.9
/// here) and ReLU. timm's explicit paddings are symmetric (0 or k / 2) and map to "valid" or, for the stride-1 odd
/// kernels (3×3, 1×7, 7×1, 1×3, 3×1), to "same". The pool branches' 3×3/1 average pool excludes padding
/// (<c>count_include_pad=False</c>), as Unroll's does.
/// </para>
/// <para>
/// Parameters: 42,679,816 trainable (timm's <c>sum(p.numel() for p in model.parameters())</c>, 42.7 M in its model card);
/// 42,742,984 in total with the running means and variances of its 31,584 BatchNorm channels.
/// </para>
/// </remarks>
[Network(3, 299, 299)]
public partial class InceptionV4
{
    static Tensor Define(Tensor x)
    {
        // Stem.
        x = ConvBn(x, 32, 3, 3, stride: 2, same: false);                   // 149×149
        x = ConvBn(x, 32, 3, 3, stride: 1, same: false);                   // 147×147
        x = ConvBn(x, 64, 3, 3);
        x = Tensor.Concat(x.MaxPool2D(3, stride: 2), ConvBn(x, 96, 3, 3, stride: 2, same: false));     // Mixed3a: 73×73×160
        var b0 = ConvBn(ConvBn(x, 64, 1, 1), 96, 3, 3, stride: 1, same: false);
        var b1 = ConvBn(ConvBn(ConvBn(ConvBn(x, 64, 1, 1), 64, 1, 7), 64, 7, 1), 96, 3, 3, stride: 1, same: false);
        x = Tensor.Concat(b0, b1);                                                                      // Mixed4a: 71×71×192
        x = Tensor.Concat(ConvBn(x, 192, 3, 3, stride: 2, same: false), x.MaxPool2D(3, stride: 2));   // Mixed5a: 35×35×384

        for (var i = 0; i < 4; i++) x = InceptionA(x);
        x = ReductionA(x);                                                 // 17×17×1024
        for (var i = 0; i < 7; i++) x = InceptionB(x);
        x = ReductionB(x);                                                 // 8×8×1536
        for (var i = 0; i < 3; i++) x = InceptionC(x);

        return x.GlobalAvgPool2D().Dense(1000).Softmax();
    }

    /// <summary>timm's <c>BasicConv2d</c>: bias-free convolution, BatchNorm (eps 0.001), ReLU.</summary>
    static Tensor ConvBn(Tensor x, int filters, int rows, int cols, int stride = 1, bool same = true) =>
        x.Conv2D(filters, (rows, cols), stride: stride, padding: same ? Padding.Same : Padding.Valid, useBias: false)
         .BatchNorm(momentum: 0.9, epsilon: 1e-3).Relu();

    static Tensor PoolBranch(Tensor x, int filters) => ConvBn(x.AvgPool2D(3, stride: 1, pad: 1), filters, 1, 1);

    static Tensor InceptionA(Tensor x)
    {
        var b0 = ConvBn(x, 96, 1, 1);
        var b1 = ConvBn(ConvBn(x, 64, 1, 1), 96, 3, 3);
        var b2 = ConvBn(ConvBn(ConvBn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
        return Tensor.Concat(b0, b1, b2, PoolBranch(x, 96));
    }

    static Tensor ReductionA(Tensor x)
    {
        var b0 = ConvBn(x, 384, 3, 3, stride: 2, same: false);
        var b1 = ConvBn(ConvBn(ConvBn(x, 192, 1, 1), 224, 3, 3), 256, 3, 3, stride: 2, same: false);
        return Tensor.Concat(b0, b1, x.MaxPool2D(3, stride: 2));
    }

    static Tensor InceptionB(Tensor x)
    {
        var b0 = ConvBn(x, 384, 1, 1);
        var b1 = ConvBn(ConvBn(ConvBn(x, 192, 1, 1), 224, 1, 7), 256, 7, 1);
        var b2 = ConvBn(x, 192, 1, 1);
        b2 = ConvBn(b2, 192, 7, 1);
        b2 = ConvBn(b2, 224, 1, 7);
        b2 = ConvBn(b2, 224, 7, 1);
        b2 = ConvBn(b2, 256, 1, 7);
        return Tensor.Concat(b0, b1, b2, PoolBranch(x, 128));
    }

    static Tensor ReductionB(Tensor x)
    {
        var b0 = ConvBn(ConvBn(x, 192, 1, 1), 192, 3, 3, stride: 2, same: false);
        var b1 = ConvBn(x, 256, 1, 1);
        b1 = ConvBn(b1, 256, 1, 7);
        b1 = ConvBn(b1, 320, 7, 1);
        b1 = ConvBn(b1, 320, 3, 3, stride: 2, same: false);
        return Tensor.Concat(b0, b1, x.MaxPool2D(3, stride: 2));
    }

    static Tensor InceptionC(Tensor x)
    {
        var b0 = ConvBn(x, 256, 1, 1);
        var b1 = ConvBn(x, 384, 1, 1);
        b1 = Tensor.Concat(ConvBn(b1, 256, 1, 3), ConvBn(b1, 256, 3, 1));
        var b2 = ConvBn(ConvBn(ConvBn(x, 384, 1, 1), 448, 3, 1), 512, 1, 3);
        b2 = Tensor.Concat(ConvBn(b2, 256, 1, 3), ConvBn(b2, 256, 3, 1));
        return Tensor.Concat(b0, b1, b2, PoolBranch(x, 256));
    }
}
