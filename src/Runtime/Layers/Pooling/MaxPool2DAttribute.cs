namespace Unroll;

/// <summary>
/// 2-D pooling that takes the largest value of each window, per channel, over (channels, height, width) inputs.
/// Output size per dimension is (n − k + 2p) / s + 1; the stride defaults to the window size.
/// </summary>
/// <example><c>[MaxPool2D(2)]</c></example>
public sealed class MaxPool2DAttribute(int size) : LayerAttribute
{
    /// <summary>Square window size.</summary>
    public int Size { get; } = size;

    /// <summary>Step between windows; 0 (the default) means the window size.</summary>
    public int Stride { get; set; }

    /// <summary>Border mode (default <see cref="Unroll.Padding.Valid"/>). Use either this or <see cref="Pad"/>.</summary>
    public Padding Padding { get; set; }

    /// <summary>An explicit border on every side, ignored by the window. Use either this or <see cref="Padding"/>.</summary>
    public int Pad { get; set; }
}
