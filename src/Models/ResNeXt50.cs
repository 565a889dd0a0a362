namespace Unroll.Models;

/// <summary>
/// ResNeXt-50 32×4d (Xie et al., 2016) as torchvision's <c>torchvision.models.resnext50_32x4d()</c>: ResNet-50's layout
/// with bottlenecks twice as wide whose 3×3 convolution is split into 32 groups of 4·(stage width / 64) channels.
/// Input (3, 224, 224).
/// </summary>
/// <remarks>
/// <para>
/// As torchvision ("v1.5"): convolutions without bias, the stride on the grouped 3×3 convolution, a 7×7/2 stem padded by 3
/// and a 3×3/2 max pool padded by 1, projection shortcuts (1×1 convolution + BatchNorm) where the shape changes, and
/// BatchNorm with eps 1e-5 and PyTorch momentum 0.1 (0.9 here, the fraction of the running average kept).
/// </para>
/// <para>
/// Parameters: 25,028,904 trainable, as torchvision lists for <c>ResNeXt50_32X4D_Weights.IMAGENET1K_V1</c>; 25,097,128 in
/// total with the running means and variances of its 34,112 BatchNorm channels.
/// </para>
/// </remarks>
[Network(3, 224, 224)]
public partial class ResNeXt50
{
    const int Groups = 32;

    static Tensor Define(Tensor x)
    {
        x = x.Conv2D(64, 7, stride: 2, pad: 3, useBias: false).BatchNorm(momentum: 0.9, epsilon: 1e-5).Relu();
        x = x.MaxPool2D(3, stride: 2, pad: 1);

        // (planes, blocks, stride of the first block) per stage; the grouped width is 2·planes, the output 4·planes.
        foreach (var (planes, blocks, stride) in new[] { (64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2) })
        {
            x = Block(x, planes, stride);
            for (var i = 1; i < blocks; i++) x = Block(x, planes, 1);
        }
        return x.GlobalAvgPool2D().Dense(1000).Softmax();
    }

    /// <summary>torchvision's <c>Bottleneck</c> with groups 32 and width per group 4.</summary>
    static Tensor Block(Tensor x, int planes, int stride)
    {
        var width = planes * 4 / 64 * Groups;
        var shortcut = stride != 1 || x.Channels != 4 * planes
            ? x.Conv2D(4 * planes, 1, stride: stride, useBias: false).BatchNorm(momentum: 0.9, epsilon: 1e-5)
            : x;
        var y = x.Conv2D(width, 1, useBias: false).BatchNorm(momentum: 0.9, epsilon: 1e-5).Relu();
        y = y.Conv2D(width, 3, stride: stride, pad: 1, groups: Groups, useBias: false).BatchNorm(momentum: 0.9, epsilon: 1e-5).Relu();
        y = y.Conv2D(4 * planes, 1, useBias: false).BatchNorm(momentum: 0.9, epsilon: 1e-5);
        return (y + shortcut).Relu();
    }
}
