namespace Unroll;

/// <summary>
/// 2-D convolution (cross-correlation, as in every framework) over (channels, height, width) inputs.
/// Weight is stored as [filters, channels, kernelHeight, kernelWidth] (PyTorch's layout), bias as [filters].
/// Output size per dimension is (n − k + 2p) / s + 1.
/// </summary>
/// <example><c>[Conv2D(6, 5, Padding = Padding.Same), Relu]</c></example>
public sealed class Conv2DAttribute : LayerAttribute
{
    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernel">Square kernel size.</param>
    public Conv2DAttribute(int filters, int kernel) : this(filters, kernel, kernel) { }

    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelHeight">Kernel height.</param>
    /// <param name="kernelWidth">Kernel width.</param>
    public Conv2DAttribute(int filters, int kernelHeight, int kernelWidth)
    {
        Filters = filters;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
    }

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }

    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }

    /// <summary>Step between windows, in both dimensions (default 1).</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Border mode (default <see cref="Unroll.Padding.Valid"/>). Use either this or <see cref="Pad"/>.</summary>
    public Padding Padding { get; set; }

    /// <summary>An explicit number of zero rows and columns added on every side. Use either this or <see cref="Padding"/>.</summary>
    public int Pad { get; set; }

    /// <summary>
    /// Number of groups (default 1): input and output channels are split into this many groups, each convolved
    /// separately (ResNeXt's cardinality); both channel counts must divide by it.
    /// </summary>
    public int Groups { get; set; } = 1;

    /// <summary>Whether the layer adds a bias per filter (default true).</summary>
    public bool UseBias { get; set; } = true;
}
