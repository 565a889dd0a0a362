namespace Unroll;

/// <summary>
/// Nearest-neighbour upsampling: repeats each row <see cref="Height"/> times and each column <see cref="Width"/> times,
/// (c, h, w) → (c, h·Height, w·Width), as Keras's <c>UpSampling2D(interpolation="nearest")</c>. Its gradient sums each
/// block of copies back into the value it came from.
/// </summary>
/// <example><c>[Conv2D(16, 3, Padding = Padding.Same), Relu, UpSampling2D(2)]</c></example>
public sealed class UpSampling2DAttribute : LayerAttribute
{
    /// <summary>The same factor for rows and columns.</summary>
    public UpSampling2DAttribute(int size) : this(size, size) { }

    /// <summary>A factor for rows and one for columns.</summary>
    public UpSampling2DAttribute(int height, int width)
    {
        Height = height;
        Width = width;
    }

    /// <summary>How many times each row is repeated.</summary>
    public int Height { get; }

    /// <summary>How many times each column is repeated.</summary>
    public int Width { get; }
}
