namespace Unroll;

/// <summary>
/// Depthwise convolution: each input channel is convolved with its own <see cref="DepthMultiplier"/> filters
/// (a grouped convolution with one group per channel). Weight [channels·multiplier, 1, kh, kw], bias [channels·multiplier].
/// </summary>
/// <example><c>[DepthwiseConv2D(3, Padding = Padding.Same)]</c></example>
public sealed class DepthwiseConv2DAttribute(int kernel) : LayerAttribute
{
    /// <summary>Square kernel size.</summary>
    public int Kernel { get; } = kernel;

    /// <summary>Output channels per input channel (default 1).</summary>
    public int DepthMultiplier { get; set; } = 1;

    /// <summary>Step between windows (default 1).</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Border mode (default <see cref="Unroll.Padding.Valid"/>).</summary>
    public Padding Padding { get; set; }

    /// <summary>Whether the layer adds a bias per output channel (default true).</summary>
    public bool UseBias { get; set; } = true;
}
