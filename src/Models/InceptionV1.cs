namespace Unroll.Models;

/// <summary>
/// GoogLeNet / Inception v1 (Szegedy et al., 2014) as torchvision's <c>torchvision.models.googlenet(aux_logits=True)</c>,
/// with its two auxiliary classifiers: three outputs, the main one first, then the heads on inception4a and inception4d,
/// each weighted 0.3 in the training loss as in the paper. Input (3, 224, 224).
/// </summary>
/// <remarks>
/// <para>
/// As torchvision's <c>BasicConv2d</c>: bias-free convolutions followed by BatchNorm (eps 0.001, PyTorch momentum 0.1,
/// i.e. 0.9 here) and ReLU. torchvision's "5×5" branch uses a 3×3 kernel (a known slip it keeps for its pretrained
/// weights), and so does this one. Its <c>ceil_mode=True</c> 3×3/2 max pools equal "same" pools here (an extra
/// bottom/right row and column); the 3×3/1 pool of each module's pool branch is padded by 1.
/// </para>
/// <para>
/// Auxiliary heads: torchvision pools 14×14 to 4×4 with <c>AdaptiveAvgPool2d((4, 4))</c> (windows of 4 at 0, 3, 7, 10);
/// this uses the paper's 5×5/3 average pool, which also gives 4×4 (and the same parameters). Then a 1×1 convolution to
/// 128 + BatchNorm + ReLU, a 1024-unit layer with ReLU, dropout 0.7 and 1000 classes. Softmax is added to every head.
/// </para>
/// <para>
/// Parameters: 13,004,888 trainable with the auxiliary heads (6,624,904 without, as torchvision lists for
/// <c>GoogLeNet_Weights.IMAGENET1K_V1</c>); 13,019,960 in total with the running statistics of its 7,536 BatchNorm channels.
/// </para>
/// </remarks>
[Network(3, 224, 224)]
public partial class InceptionV1
{
    static (Tensor, Tensor, Tensor) Define(Tensor x)
    {
        x = ConvBn(x, 64, 7, stride: 2, pad: 3);                           // 112×112
        x = x.MaxPool2D(3, stride: 2, padding: Padding.Same);               // 56×56
        x = ConvBn(x, 64, 1);
        x = ConvBn(x, 192, 3, pad: 1);
        x = x.MaxPool2D(3, stride: 2, padding: Padding.Same);               // 28×28

        x = Module(x, 64, 96, 128, 16, 32, 32);                             // 3a: 256
        x = Module(x, 128, 128, 192, 32, 96, 64);                           // 3b: 480
        x = x.MaxPool2D(3, stride: 2, padding: Padding.Same);               // 14×14

        x = Module(x, 192, 96, 208, 16, 48, 64);                            // 4a: 512
        var aux1 = Auxiliary(x);
        x = Module(x, 160, 112, 224, 24, 64, 64);                           // 4b: 512
        x = Module(x, 128, 128, 256, 24, 64, 64);                           // 4c: 512
        x = Module(x, 112, 144, 288, 32, 64, 64);                           // 4d: 528
        var aux2 = Auxiliary(x);
        x = Module(x, 256, 160, 320, 32, 128, 128);                         // 4e: 832
        x = x.MaxPool2D(2, stride: 2);                                      // 7×7

        x = Module(x, 256, 160, 320, 32, 128, 128);                         // 5a: 832
        x = Module(x, 384, 192, 384, 48, 128, 128);                         // 5b: 1024

        var main = x.GlobalAvgPool2D().Dropout(0.2).Dense(1000).Softmax();
        return (main, aux1.LossWeight(0.3), aux2.LossWeight(0.3));
    }

    /// <summary>torchvision's <c>BasicConv2d</c>: bias-free convolution, BatchNorm (eps 0.001), ReLU.</summary>
    static Tensor ConvBn(Tensor x, int filters, int kernel, int stride = 1, int pad = 0) =>
        x.Conv2D(filters, kernel, stride: stride, pad: pad, useBias: false).BatchNorm(momentum: 0.9, epsilon: 1e-3).Relu();

    /// <summary>An Inception module: 1×1, 1×1 → 3×3, 1×1 → "5×5" (3×3 in torchvision) and 3×3 max pool → 1×1, joined.</summary>
    static Tensor Module(Tensor x, int c1, int c3Reduce, int c3, int c5Reduce, int c5, int poolProjection)
    {
        var b1 = ConvBn(x, c1, 1);
        var b2 = ConvBn(ConvBn(x, c3Reduce, 1), c3, 3, pad: 1);
        var b3 = ConvBn(ConvBn(x, c5Reduce, 1), c5, 3, pad: 1);
        var b4 = ConvBn(x.MaxPool2D(3, stride: 1, pad: 1), poolProjection, 1);
        return Tensor.Concat(b1, b2, b3, b4);
    }

    /// <summary>torchvision's <c>InceptionAux</c> on a 14×14 input.</summary>
    static Tensor Auxiliary(Tensor x)
    {
        var y = ConvBn(x.AvgPool2D(5, stride: 3), 128, 1).Flatten();      // 128×4×4 = 2048
        return y.Dense(1024).Relu().Dropout(0.7).Dense(1000).Softmax();
    }
}
