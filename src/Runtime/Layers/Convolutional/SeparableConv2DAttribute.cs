namespace Unroll;

/// <summary>
/// Depthwise-separable convolution (Chollet, 2017): a depthwise convolution followed by a 1×1 pointwise convolution to
/// <see cref="Filters"/> channels. Parameters as Keras's: <c>depthwise_weight</c> [channels·multiplier, 1, kh, kw],
/// <c>pointwise_weight</c> [filters, channels·multiplier, 1, 1] and <c>bias</c> [filters].
/// </summary>
/// <example><c>[SeparableConv2D(128, 3, Padding = Padding.Same, UseBias = false)]</c></example>
public sealed class SeparableConv2DAttribute(int filters, int kernel) : LayerAttribute
{
    /// <summary>Number of output channels.</summary>
    public int Filters { get; } = filters;

    /// <summary>Square kernel size of the depthwise step.</summary>
    public int Kernel { get; } = kernel;

    /// <summary>Depthwise output channels per input channel (default 1).</summary>
    public int DepthMultiplier { get; set; } = 1;

    /// <summary>Step between windows of the depthwise step (default 1).</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Border mode of the depthwise step (default <see cref="Unroll.Padding.Valid"/>).</summary>
    public Padding Padding { get; set; }

    /// <summary>Whether the pointwise step adds a bias (default true).</summary>
    public bool UseBias { get; set; } = true;
}
