namespace Unroll.Models;

/// <summary>
/// Xception (Chollet, 2017) as Keras's <c>keras.applications.Xception(include_top=True)</c>: an entry flow of strided
/// residual blocks, a middle flow of eight 728-channel blocks of three depthwise-separable convolutions, and an exit
/// flow to 2048 channels. Input (3, 299, 299).
/// </summary>
/// <remarks>
/// <para>
/// As Keras: every convolution and separable convolution is bias-free and followed by BatchNorm (gamma and beta,
/// epsilon 1e-3, momentum 0.99); separable convolutions and the strided 3×3 max pools use "same" padding, the two stem
/// convolutions "valid"; shortcuts of the downsampling blocks are 1×1/2 "same" convolutions + BatchNorm.
/// </para>
/// <para>Parameters: 22,910,480 in total, 22,855,952 trainable (Keras's <c>Xception().summary()</c>).</para>
/// </remarks>
[Network(3, 299, 299)]
public partial class Xception
{
    static Tensor Define(Tensor x)
    {
        // Entry flow.
        x = x.Conv2D(32, 3, stride: 2, useBias: false).BatchNorm().Relu();    // 149×149
        x = x.Conv2D(64, 3, useBias: false).BatchNorm().Relu();               // 147×147
        x = DownBlock(x, 128, 128, reluFirst: false);                         // 74×74
        x = DownBlock(x, 256, 256, reluFirst: true);                          // 37×37
        x = DownBlock(x, 728, 728, reluFirst: true);                          // 19×19

        // Middle flow.
        for (var i = 0; i < 8; i++)
        {
            var y = SepBn(x.Relu(), 728);
            y = SepBn(y.Relu(), 728);
            y = SepBn(y.Relu(), 728);
            x = y + x;
        }

        // Exit flow.
        x = DownBlock(x, 728, 1024, reluFirst: true);                         // 10×10
        x = SepBn(x, 1536).Relu();
        x = SepBn(x, 2048).Relu();
        return x.GlobalAvgPool2D().Dense(1000).Softmax();
    }

    /// <summary>A bias-free 3×3 "same" separable convolution and BatchNorm.</summary>
    static Tensor SepBn(Tensor x, int filters) =>
        x.SeparableConv2D(filters, 3, padding: Padding.Same, useBias: false).BatchNorm();

    /// <summary>
    /// [ReLU] → separable → BN → ReLU → separable → BN → 3×3/2 max pool, plus a 1×1/2 projection of the input.
    /// Keras's first such block has no leading ReLU: its input has just been through one.
    /// </summary>
    static Tensor DownBlock(Tensor x, int filters1, int filters2, bool reluFirst)
    {
        var shortcut = x.Conv2D(filters2, 1, stride: 2, padding: Padding.Same, useBias: false).BatchNorm();
        var y = reluFirst ? x.Relu() : x;
        y = SepBn(y, filters1).Relu();
        y = SepBn(y, filters2);
        y = y.MaxPool2D(3, stride: 2, padding: Padding.Same);
        return y + shortcut;
    }
}
