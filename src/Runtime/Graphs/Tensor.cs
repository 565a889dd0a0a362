using System;

namespace Unroll;

/// <summary>
/// A value in a network's definition method, evaluated by the source generator at compile time and never at run time.
/// Its methods mirror the layer attributes (same names, same parameters); <c>+</c> adds element-wise (residual
/// connections) and <see cref="Concat"/> joins along channels. Shape queries work in conditions and loops.
/// </summary>
/// <example>
/// <code>
/// [Network(3, 32, 32)]
/// public partial class TinyResNet
/// {
///     static Tensor Define(Tensor x)
///     {
///         x = x.Conv2D(16, 3, padding: Padding.Same, useBias: false).BatchNorm().Relu();
///         for (var i = 0; i &lt; 2; i++) x = Block(x, 16);
///         return x.GlobalAvgPool2D().Dense(10).Softmax();
///     }
///
///     static Tensor Block(Tensor x, int filters)
///     {
///         var y = x.Conv2D(filters, 3, padding: Padding.Same, useBias: false).BatchNorm().Relu()
///                  .Conv2D(filters, 3, padding: Padding.Same, useBias: false).BatchNorm();
///         return (y + x).Relu();
///     }
/// }
/// </code>
/// </example>
public sealed class Tensor
{
    private Tensor() { }

    private static Exception CompileTimeOnly() => new InvalidOperationException(
        "Unroll.Tensor exists only for network definition methods, which the source generator evaluates at compile time; " +
        "call the generated network's Forward instead.");

    /// <summary>Channels of a (channels, height, width) value.</summary>
    public int Channels => throw CompileTimeOnly();

    /// <summary>Height of a (channels, height, width) value.</summary>
    public int Height => throw CompileTimeOnly();

    /// <summary>Width of a (channels, height, width) value.</summary>
    public int Width => throw CompileTimeOnly();

    /// <summary>Features of a one-dimensional value.</summary>
    public int Features => throw CompileTimeOnly();

    /// <summary>Number of dimensions: 1 (features) or 3 (channels, height, width).</summary>
    public int Rank => throw CompileTimeOnly();

    /// <summary>See <see cref="DenseAttribute"/>.</summary>
    public Tensor Dense(int units, bool useBias = true, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="Conv2DAttribute"/>.</summary>
    public Tensor Conv2D(int filters, int kernel, int stride = 1, Padding padding = Padding.Valid, int pad = 0, int groups = 1,
        bool useBias = true, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="Conv2DAttribute"/>; a rectangular kernel, e.g. <c>(1, 7)</c>.</summary>
    public Tensor Conv2D(int filters, (int Height, int Width) kernel, int stride = 1, Padding padding = Padding.Valid, int pad = 0,
        int groups = 1, bool useBias = true, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="Conv2DTransposeAttribute"/>.</summary>
    public Tensor Conv2DTranspose(int filters, int kernel, int stride = 1, Padding padding = Padding.Valid, bool useBias = true,
        string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="DepthwiseConv2DAttribute"/>.</summary>
    public Tensor DepthwiseConv2D(int kernel, int depthMultiplier = 1, int stride = 1, Padding padding = Padding.Valid,
        bool useBias = true, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="SeparableConv2DAttribute"/>.</summary>
    public Tensor SeparableConv2D(int filters, int kernel, int depthMultiplier = 1, int stride = 1, Padding padding = Padding.Valid,
        bool useBias = true, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="MaxPool2DAttribute"/>; stride 0 means the window size.</summary>
    public Tensor MaxPool2D(int size, int stride = 0, Padding padding = Padding.Valid, int pad = 0, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="AvgPool2DAttribute"/>; stride 0 means the window size.</summary>
    public Tensor AvgPool2D(int size, int stride = 0, Padding padding = Padding.Valid, int pad = 0, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="GlobalAvgPool2DAttribute"/>.</summary>
    public Tensor GlobalAvgPool2D(string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="ZeroPadding2DAttribute"/>.</summary>
    public Tensor ZeroPadding2D(int padding, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="ZeroPadding2DAttribute"/>.</summary>
    public Tensor ZeroPadding2D(int top, int bottom, int left, int right, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="SimpleRnnAttribute"/>: reads (steps, features).</summary>
    public Tensor SimpleRnn(int units, bool returnSequences = false, bool bidirectional = false, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="LstmAttribute"/>: reads (steps, features).</summary>
    public Tensor Lstm(int units, bool returnSequences = false, bool bidirectional = false, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="GruAttribute"/>: reads (steps, features).</summary>
    public Tensor Gru(int units, bool returnSequences = false, bool bidirectional = false, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="UpSampling2DAttribute"/>.</summary>
    public Tensor UpSampling2D(int size, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="UpSampling2DAttribute"/>: a factor for rows and one for columns.</summary>
    public Tensor UpSampling2D(int height, int width, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="BatchNormAttribute"/>.</summary>
    public Tensor BatchNorm(double momentum = 0.99, double epsilon = 1e-3, bool scale = true, bool center = true, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="ScaleAttribute"/>.</summary>
    public Tensor Scale(double factor, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="FlattenAttribute"/>.</summary>
    public Tensor Flatten(string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="ReshapeAttribute"/>: <c>x.Reshape([16, 7, 7])</c>; one dimension may be -1.</summary>
    public Tensor Reshape(int[] dims, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="DropoutAttribute"/>.</summary>
    public Tensor Dropout(double rate, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="LinearAttribute"/>.</summary>
    public Tensor Linear(string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="ReluAttribute"/>.</summary>
    public Tensor Relu(string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="LeakyReluAttribute"/>.</summary>
    public Tensor LeakyRelu(double alpha = 0.01, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="EluAttribute"/>.</summary>
    public Tensor Elu(double alpha = 1.0, string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="SigmoidAttribute"/>.</summary>
    public Tensor Sigmoid(string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="TanhAttribute"/>.</summary>
    public Tensor Tanh(string? name = null) => throw CompileTimeOnly();

    /// <summary>See <see cref="SoftmaxAttribute"/>.</summary>
    public Tensor Softmax(string? name = null) => throw CompileTimeOnly();

    /// <summary>
    /// Marks an auxiliary output's weight in the training loss (the main output's is 1). A definition method returns its
    /// outputs as a tuple, main output first: <c>return (main, aux1.LossWeight(0.3), aux2.LossWeight(0.3));</c>
    /// </summary>
    public Tensor LossWeight(double weight) => throw CompileTimeOnly();

    /// <summary>Element-wise sum of two values of the same shape (a residual connection).</summary>
    public static Tensor operator +(Tensor left, Tensor right) => throw CompileTimeOnly();

    /// <summary>Joins (channels, height, width) values of the same height and width along channels, in order.</summary>
    public static Tensor Concat(params Tensor[] inputs) => throw CompileTimeOnly();
}
