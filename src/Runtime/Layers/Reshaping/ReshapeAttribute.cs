namespace Unroll;

/// <summary>
/// Reads its input, in row-major order, with another shape of 1 to 4 dimensions: (features), (steps, features),
/// (channels, height, width) or (channels, depth, height, width). One dimension may be -1: whatever the others leave.
/// The values stay where they are, so it costs nothing at run time (the layer shares its input's buffer).
/// </summary>
/// <example><c>[Dense(784), Reshape(1, 28, 28), Conv2D(8, 3)]</c>, or in a definition method <c>x.Reshape([16, 7, 7])</c>.</example>
public sealed class ReshapeAttribute : LayerAttribute
{
    /// <summary>The new shape; its dimensions must multiply to the input's size.</summary>
    public ReshapeAttribute(params int[] dims) => Dims = dims;

    /// <summary>The new shape, as written (-1 for the one dimension to infer).</summary>
    public int[] Dims { get; }
}
