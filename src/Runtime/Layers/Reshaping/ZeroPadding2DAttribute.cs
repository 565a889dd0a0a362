namespace Unroll;

/// <summary>Adds rows and columns of zeros around each channel: (c, h, w) → (c, top + h + bottom, left + w + right).</summary>
/// <example><c>[ZeroPadding2D(3), Conv2D(64, 7, Stride = 2)]</c></example>
public sealed class ZeroPadding2DAttribute : LayerAttribute
{
    /// <summary>The same padding on every side.</summary>
    public ZeroPadding2DAttribute(int padding) : this(padding, padding, padding, padding) { }

    /// <summary>Padding per side.</summary>
    public ZeroPadding2DAttribute(int top, int bottom, int left, int right)
    {
        Top = top;
        Bottom = bottom;
        Left = left;
        Right = right;
    }

    /// <summary>Rows added above.</summary>
    public int Top { get; }

    /// <summary>Rows added below.</summary>
    public int Bottom { get; }

    /// <summary>Columns added on the left.</summary>
    public int Left { get; }

    /// <summary>Columns added on the right.</summary>
    public int Right { get; }
}
