namespace Unroll.Models;

/// <summary>
/// A small residual network for 28×28 Fashion-MNIST images, with BatchNorm: a 16-filter stem at 28×28, then three
/// residual stages of 16, 32 and 64 channels at 14×14, 7×7 and 4×4, global average pooling and a 10-class softmax.
/// </summary>
/// <remarks>
/// <para>
/// Each stage is one basic block (He et al., 2015): 3×3 stride-2 → BN → ReLU → 3×3 → BN, plus a 1×1 stride-2
/// projection + BN of the input, then ReLU. Convolutions feeding BatchNorm have no bias.
/// </para>
/// <para>
/// Size: 78,746 parameters (78,042 trainable); about 2.7 M multiply-accumulates per sample forward (0.95 M, 0.70 M and
/// 0.92 M in the three stages, 0.11 M in the stem), so a training step costs about 8 M per sample. Widths are kept
/// small so that an epoch of 60,000 images stays cheap on two CPU cores.
/// </para>
/// </remarks>
[Network(1, 28, 28)]
public partial class FashionResNet
{
    static Tensor Define(Tensor x)
    {
        x = x.Conv2D(16, 3, padding: Padding.Same, useBias: false).BatchNorm().Relu();     // 16×28×28
        foreach (var filters in new[] { 16, 32, 64 }) x = Block(x, filters);               // 14×14, 7×7, 4×4
        return x.GlobalAvgPool2D().Dense(10).Softmax();
    }

    /// <summary>A downsampling basic block with a projection shortcut.</summary>
    static Tensor Block(Tensor x, int filters)
    {
        var shortcut = x.Conv2D(filters, 1, stride: 2, padding: Padding.Same, useBias: false).BatchNorm();
        var y = x.Conv2D(filters, 3, stride: 2, padding: Padding.Same, useBias: false).BatchNorm().Relu();
        y = y.Conv2D(filters, 3, padding: Padding.Same, useBias: false).BatchNorm();
        return (y + shortcut).Relu();
    }
}
