namespace Unroll.Models;

/// <summary>
/// A small Inception-style network for 28×28 Fashion-MNIST images, with BatchNorm: a 16-filter stem, an Inception
/// module at 14×14 (64 channels) and one at 7×7 (128 channels), each after a 2×2 max pool, then global average pooling
/// and a 10-class softmax.
/// </summary>
/// <remarks>
/// <para>
/// Each module joins four branches along channels (Szegedy et al., 2014; the double 3×3 of Inception v2/v3): 1×1;
/// 1×1 → 3×3; 1×1 → 3×3 → 3×3; 3×3/1 max pool → 1×1. Every convolution is bias-free, followed by BatchNorm and ReLU.
/// </para>
/// <para>
/// Size: 38,266 parameters (37,634 trainable); about 2.8 M multiply-accumulates per sample forward (0.11 M stem,
/// 1.26 M and 1.43 M in the modules).
/// </para>
/// </remarks>
[Network(1, 28, 28)]
public partial class FashionInception
{
    static Tensor Define(Tensor x)
    {
        x = ConvBn(x, 16, 3).MaxPool2D(2);                                 // 16×14×14
        x = Module(x, 16, 16, 24, 8, 12, 12).MaxPool2D(2);                 // 64×7×7
        x = Module(x, 32, 32, 48, 16, 24, 24);                             // 128×7×7
        return x.GlobalAvgPool2D().Dense(10).Softmax();
    }

    static Tensor ConvBn(Tensor x, int filters, int kernel) =>
        x.Conv2D(filters, kernel, padding: Padding.Same, useBias: false).BatchNorm().Relu();

    /// <summary>An Inception module of c1 + c3 + c33 + pool channels.</summary>
    static Tensor Module(Tensor x, int c1, int c3Reduce, int c3, int c33Reduce, int c33, int pool)
    {
        var b1 = ConvBn(x, c1, 1);
        var b3 = ConvBn(ConvBn(x, c3Reduce, 1), c3, 3);
        var b33 = ConvBn(ConvBn(ConvBn(x, c33Reduce, 1), c33, 3), c33, 3);
        var bp = ConvBn(x.MaxPool2D(3, stride: 1, padding: Padding.Same), pool, 1);
        return Tensor.Concat(b1, b3, b33, bp);
    }
}
