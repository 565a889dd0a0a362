namespace Unroll.Models;

/// <summary>
/// Inception-ResNet-v2 (Szegedy et al., 2016) as Keras's <c>keras.applications.InceptionResNetV2(include_top=True)</c>:
/// a stem, 10 Inception-ResNet-A blocks at 35×35×320, 20 B blocks at 17×17×1088, 10 C blocks at 8×8×2080 and a 1×1
/// convolution to 1536 channels. Input (3, 299, 299).
/// </summary>
/// <remarks>
/// <para>
/// As Keras's <c>conv2d_bn</c>: bias-free convolutions followed by <c>BatchNormalization(scale=False)</c> (beta only,
/// epsilon 1e-3, momentum 0.99) and ReLU, "same" padding except the stem and the strided reductions. Each residual
/// block's last 1×1 convolution ("up") has a bias and neither BatchNorm nor activation.
/// </para>
/// <para>
/// As Keras, each block adds <c>scale · up</c> to its input, with scale 0.17, 0.1 and 0.2 for the A, B and C blocks and
/// 1 for the last C block (whose activation is also dropped).
/// </para>
/// <para>Parameters: 55,873,736 in total, 55,813,192 trainable (Keras's <c>InceptionResNetV2().summary()</c>).</para>
/// </remarks>
[Network(3, 299, 299)]
public partial class InceptionResNetV2
{
    static Tensor Define(Tensor x)
    {
        // Stem.
        x = ConvBn(x, 32, 3, 3, stride: 2, same: false);                   // 149×149
        x = ConvBn(x, 32, 3, 3, stride: 1, same: false);                   // 147×147
        x = ConvBn(x, 64, 3, 3);
        x = x.MaxPool2D(3, stride: 2);                                     // 73×73
        x = ConvBn(x, 80, 1, 1, stride: 1, same: false);
        x = ConvBn(x, 192, 3, 3, stride: 1, same: false);                  // 71×71
        x = x.MaxPool2D(3, stride: 2);                                     // 35×35

        // Mixed 5b (Inception-A): 35×35×320.
        var b0 = ConvBn(x, 96, 1, 1);
        var b1 = ConvBn(ConvBn(x, 48, 1, 1), 64, 5, 5);
        var b2 = ConvBn(ConvBn(ConvBn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
        var bp = ConvBn(x.AvgPool2D(3, stride: 1, padding: Padding.Same), 64, 1, 1);
        x = Tensor.Concat(b0, b1, b2, bp);

        for (var i = 0; i < 10; i++) x = Block35(x);

        // Mixed 6a (Reduction-A): 17×17×1088.
        b0 = ConvBn(x, 384, 3, 3, stride: 2, same: false);
        b1 = ConvBn(ConvBn(ConvBn(x, 256, 1, 1), 256, 3, 3), 384, 3, 3, stride: 2, same: false);
        bp = x.MaxPool2D(3, stride: 2);
        x = Tensor.Concat(b0, b1, bp);

        for (var i = 0; i < 20; i++) x = Block17(x);

        // Mixed 7a (Reduction-B): 8×8×2080.
        b0 = ConvBn(ConvBn(x, 256, 1, 1), 384, 3, 3, stride: 2, same: false);
        b1 = ConvBn(ConvBn(x, 256, 1, 1), 288, 3, 3, stride: 2, same: false);
        b2 = ConvBn(ConvBn(ConvBn(x, 256, 1, 1), 288, 3, 3), 320, 3, 3, stride: 2, same: false);
        bp = x.MaxPool2D(3, stride: 2);
        x = Tensor.Concat(b0, b1, b2, bp);

        for (var i = 0; i < 9; i++) x = Block8(x, scale: 0.2, relu: true);
        x = Block8(x, scale: 1.0, relu: false);                            // Keras's last block: scale 1, activation=None

        x = ConvBn(x, 1536, 1, 1);                                         // conv_7b
        return x.GlobalAvgPool2D().Dense(1000).Softmax();
    }

    /// <summary>Keras's <c>conv2d_bn</c>: bias-free convolution, BatchNorm without gamma, ReLU.</summary>
    static Tensor ConvBn(Tensor x, int filters, int rows, int cols, int stride = 1, bool same = true) =>
        x.Conv2D(filters, (rows, cols), stride: stride, padding: same ? Padding.Same : Padding.Valid, useBias: false)
         .BatchNorm(scale: false).Relu();

    /// <summary>
    /// The residual branch's closing 1×1 convolution back to the block's width (bias, no BatchNorm, linear), scaled
    /// before it joins the block's input, as Keras's <c>Lambda(x + scale·up)</c>.
    /// </summary>
    static Tensor Up(Tensor mixed, int channels, double scale)
    {
        var up = mixed.Conv2D(channels, 1, useBias: true);
        return scale == 1.0 ? up : up.Scale(scale);
    }

    /// <summary>Inception-ResNet-A (Keras's <c>block35</c>).</summary>
    static Tensor Block35(Tensor x)
    {
        var b0 = ConvBn(x, 32, 1, 1);
        var b1 = ConvBn(ConvBn(x, 32, 1, 1), 32, 3, 3);
        var b2 = ConvBn(ConvBn(ConvBn(x, 32, 1, 1), 48, 3, 3), 64, 3, 3);
        return (x + Up(Tensor.Concat(b0, b1, b2), x.Channels, 0.17)).Relu();
    }

    /// <summary>Inception-ResNet-B (Keras's <c>block17</c>).</summary>
    static Tensor Block17(Tensor x)
    {
        var b0 = ConvBn(x, 192, 1, 1);
        var b1 = ConvBn(ConvBn(ConvBn(x, 128, 1, 1), 160, 1, 7), 192, 7, 1);
        return (x + Up(Tensor.Concat(b0, b1), x.Channels, 0.1)).Relu();
    }

    /// <summary>Inception-ResNet-C (Keras's <c>block8</c>).</summary>
    static Tensor Block8(Tensor x, double scale, bool relu)
    {
        var b0 = ConvBn(x, 192, 1, 1);
        var b1 = ConvBn(ConvBn(ConvBn(x, 192, 1, 1), 224, 1, 3), 256, 3, 1);
        var y = x + Up(Tensor.Concat(b0, b1), x.Channels, scale);
        return relu ? y.Relu() : y;
    }
}
