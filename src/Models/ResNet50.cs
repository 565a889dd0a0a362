// Keras's stem pads explicitly (ZeroPadding2D) before its strided valid 7×7 convolution; the last row and column it
// leaves unread are that padding, which the generator cannot tell from input at that point. (Pooling is never reported.)
#pragma warning disable UNR0012

namespace Unroll.Models;

/// <summary>
/// ResNet-50 (He et al., 2015) as Keras's <c>keras.applications.ResNet50(include_top=True)</c>: the original "v1"
/// bottleneck, whose stride sits on the first 1×1 convolution, in stages of 3, 4, 6 and 3 blocks. Input (3, 224, 224).
/// </summary>
/// <remarks>
/// <para>
/// As Keras: every convolution has a bias (unlike torchvision's, hence 79,680 more parameters than torchvision's
/// 25,557,032), BatchNorm uses <c>epsilon = 1.001e-5</c> and momentum 0.99, the stem is <c>ZeroPadding2D(3)</c> +
/// 7×7/2 valid convolution and <c>ZeroPadding2D(1)</c> + 3×3/2 max pool, and the first block of each stage projects its
/// shortcut with a 1×1 convolution + BatchNorm. The strided 1×1 convolutions skip the last row and column of their
/// even-sized inputs, as in Keras.
/// </para>
/// <para>Parameters: 25,636,712 in total, 25,583,592 trainable (Keras's <c>ResNet50().summary()</c>).</para>
/// </remarks>
[Network(3, 224, 224)]
public partial class ResNet50
{
    static Tensor Define(Tensor x)
    {
        x = x.ZeroPadding2D(3).Conv2D(64, 7, stride: 2).BatchNorm(epsilon: 1.001e-5).Relu();
        x = x.ZeroPadding2D(1).MaxPool2D(3, stride: 2);

        // (filters, blocks, stride of the first block) per stage; blocks output 4·filters channels.
        foreach (var (filters, blocks, stride) in new[] { (64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2) })
        {
            x = Block(x, filters, stride, projection: true);
            for (var i = 1; i < blocks; i++) x = Block(x, filters, 1, projection: false);
        }
        return x.GlobalAvgPool2D().Dense(1000).Softmax();
    }

    /// <summary>Keras's <c>resnet.block1</c>: 1×1 (strided) → 3×3 → 1×1 to 4·filters, plus the shortcut, then ReLU.</summary>
    static Tensor Block(Tensor x, int filters, int stride, bool projection)
    {
        var shortcut = projection ? x.Conv2D(4 * filters, 1, stride: stride).BatchNorm(epsilon: 1.001e-5) : x;
        var y = x.Conv2D(filters, 1, stride: stride).BatchNorm(epsilon: 1.001e-5).Relu();
        y = y.Conv2D(filters, 3, padding: Padding.Same).BatchNorm(epsilon: 1.001e-5).Relu();
        y = y.Conv2D(4 * filters, 1).BatchNorm(epsilon: 1.001e-5);
        return (y + shortcut).Relu();
    }
}
