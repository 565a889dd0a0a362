namespace Unroll.Models;

/// <summary>
/// Inception v3 (Szegedy et al., 2015) as Keras's <c>keras.applications.InceptionV3(include_top=True)</c>, without the
/// auxiliary classifier (Keras has none). Input (3, 299, 299); modules mixed0–mixed10 at 35×35, 17×17 and 8×8.
/// </summary>
/// <remarks>
/// <para>
/// As Keras's <c>conv2d_bn</c>: every convolution is bias-free and followed by <c>BatchNormalization(scale=False)</c>
/// (beta only, epsilon 1e-3, momentum 0.99) and ReLU; "same" padding except where Keras says "valid" (the stem and the
/// strided reductions). Pool branches use a 3×3/1 "same" average pool that excludes the padding, as TensorFlow's does.
/// </para>
/// <para>Parameters: 23,851,784 in total, 23,817,352 trainable (Keras's <c>InceptionV3().summary()</c>).</para>
/// </remarks>
[Network(3, 299, 299)]
public partial class InceptionV3
{
    static Tensor Define(Tensor x)
    {
        x = ConvBn(x, 32, 3, 3, stride: 2, same: false);                   // 149×149
        x = ConvBn(x, 32, 3, 3, stride: 1, same: false);                   // 147×147
        x = ConvBn(x, 64, 3, 3);
        x = x.MaxPool2D(3, stride: 2);                                     // 73×73
        x = ConvBn(x, 80, 1, 1, stride: 1, same: false);
        x = ConvBn(x, 192, 3, 3, stride: 1, same: false);                  // 71×71
        x = x.MaxPool2D(3, stride: 2);                                     // 35×35

        foreach (var poolFilters in new[] { 32, 64, 64 }) x = ModuleA(x, poolFilters);  // mixed0–2: 256, 288, 288
        x = ReductionA(x);                                                 // mixed3: 17×17×768
        foreach (var filters in new[] { 128, 160, 160, 192 }) x = ModuleB(x, filters);  // mixed4–7
        x = ReductionB(x);                                                 // mixed8: 8×8×1280
        for (var i = 0; i < 2; i++) x = ModuleC(x);                        // mixed9–10: 8×8×2048

        return x.GlobalAvgPool2D().Dense(1000).Softmax();
    }

    /// <summary>Keras's <c>conv2d_bn</c>: bias-free convolution, BatchNorm without gamma, ReLU.</summary>
    static Tensor ConvBn(Tensor x, int filters, int rows, int cols, int stride = 1, bool same = true) =>
        x.Conv2D(filters, (rows, cols), stride: stride, padding: same ? Padding.Same : Padding.Valid, useBias: false)
         .BatchNorm(scale: false).Relu();

    static Tensor ModuleA(Tensor x, int poolFilters)
    {
        var b1 = ConvBn(x, 64, 1, 1);
        var b5 = ConvBn(ConvBn(x, 48, 1, 1), 64, 5, 5);
        var b3 = ConvBn(ConvBn(ConvBn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
        var bp = ConvBn(x.AvgPool2D(3, stride: 1, padding: Padding.Same), poolFilters, 1, 1);
        return Tensor.Concat(b1, b5, b3, bp);
    }

    static Tensor ReductionA(Tensor x)
    {
        var b3 = ConvBn(x, 384, 3, 3, stride: 2, same: false);
        var b3dbl = ConvBn(ConvBn(ConvBn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, stride: 2, same: false);
        var bp = x.MaxPool2D(3, stride: 2);
        return Tensor.Concat(b3, b3dbl, bp);
    }

    /// <summary>The factorised 7×7 module (mixed4–7); <paramref name="f"/> is the width of its inner 1×7/7×1 convolutions.</summary>
    static Tensor ModuleB(Tensor x, int f)
    {
        var b1 = ConvBn(x, 192, 1, 1);
        var b7 = ConvBn(ConvBn(ConvBn(x, f, 1, 1), f, 1, 7), 192, 7, 1);
        var b7dbl = ConvBn(x, f, 1, 1);
        b7dbl = ConvBn(b7dbl, f, 7, 1);
        b7dbl = ConvBn(b7dbl, f, 1, 7);
        b7dbl = ConvBn(b7dbl, f, 7, 1);
        b7dbl = ConvBn(b7dbl, 192, 1, 7);
        var bp = ConvBn(x.AvgPool2D(3, stride: 1, padding: Padding.Same), 192, 1, 1);
        return Tensor.Concat(b1, b7, b7dbl, bp);
    }

    static Tensor ReductionB(Tensor x)
    {
        var b3 = ConvBn(ConvBn(x, 192, 1, 1), 320, 3, 3, stride: 2, same: false);
        var b7 = ConvBn(x, 192, 1, 1);
        b7 = ConvBn(b7, 192, 1, 7);
        b7 = ConvBn(b7, 192, 7, 1);
        b7 = ConvBn(b7, 192, 3, 3, stride: 2, same: false);
        var bp = x.MaxPool2D(3, stride: 2);
        return Tensor.Concat(b3, b7, bp);
    }

    /// <summary>The expanded 8×8 module (mixed9–10), whose 3×3 branches end in parallel 1×3 and 3×1 convolutions.</summary>
    static Tensor ModuleC(Tensor x)
    {
        var b1 = ConvBn(x, 320, 1, 1);
        var b3 = ConvBn(x, 384, 1, 1);
        b3 = Tensor.Concat(ConvBn(b3, 384, 1, 3), ConvBn(b3, 384, 3, 1));
        var b3dbl = ConvBn(ConvBn(x, 448, 1, 1), 384, 3, 3);
        b3dbl = Tensor.Concat(ConvBn(b3dbl, 384, 1, 3), ConvBn(b3dbl, 384, 3, 1));
        var bp = ConvBn(x.AvgPool2D(3, stride: 1, padding: Padding.Same), 192, 1, 1);
        return Tensor.Concat(b1, b3, b3dbl, bp);
    }
}
