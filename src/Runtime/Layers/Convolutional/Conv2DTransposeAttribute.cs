namespace Unroll;

/// <summary>
/// Transposed 2-D convolution (sometimes called deconvolution), as Keras's <c>Conv2DTranspose</c> and PyTorch's
/// <c>ConvTranspose2d</c>: each input value scatters the kernel, scaled by it, into the output at stride
/// <see cref="Stride"/>; it is the input gradient of a <see cref="Conv2DAttribute"/> convolution, so it upsamples.
/// Weight is stored as [channels, filters, kernel, kernel] (PyTorch's layout: input channels first), bias as [filters].
/// Output size per dimension (Keras's <c>deconv_output_length</c>): n·s + max(k − s, 0) with
/// <see cref="Unroll.Padding.Valid"/>, n·s with <see cref="Unroll.Padding.Same"/>.
/// </summary>
/// <remarks>
/// <see cref="Unroll.Padding.Same"/> crops the full (n − 1)·s + k rows to n·s as TensorFlow does (the transposed
/// convolution is the gradient of a 'same' convolution): of the max(k − s, 0) rows cropped, ⌊·/2⌋ go from the top and
/// the rest, the odd one, from the bottom; columns likewise, left then right.
/// </remarks>
/// <example><c>[Conv2D(16, 3, Stride = 2, Padding = Padding.Same), Relu, Conv2DTranspose(8, 3, Stride = 2, Padding = Padding.Same)]</c></example>
public sealed class Conv2DTransposeAttribute : LayerAttribute
{
    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernel">Square kernel size.</param>
    public Conv2DTransposeAttribute(int filters, int kernel)
    {
        Filters = filters;
        Kernel = kernel;
    }

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }

    /// <summary>Square kernel size.</summary>
    public int Kernel { get; }

    /// <summary>How far apart the input's values land in the output, in both dimensions (default 1): the upsampling factor.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Border mode (default <see cref="Unroll.Padding.Valid"/>): valid keeps the full output, same crops it to n·s.</summary>
    public Padding Padding { get; set; }

    /// <summary>Whether the layer adds a bias per filter (default true).</summary>
    public bool UseBias { get; set; } = true;
}
