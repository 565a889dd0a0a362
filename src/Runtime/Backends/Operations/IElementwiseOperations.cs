namespace Unroll;

/// <summary>Element-wise arithmetic over a length: residual joins, scaling and gradient sums. Part of <see cref="IBackend"/>.</summary>
public interface IElementwiseOperations
{
    /// <summary>output = a + b, element-wise over <paramref name="length"/> values (residual connections).</summary>
    void Add(FloatBuffer a, FloatBuffer b, FloatBuffer output, int length);

    /// <summary>output = factor·input, element-wise (Scale's forward, and its backward on the gradients).</summary>
    void Scale(FloatBuffer input, FloatBuffer output, float factor, int length);

    /// <summary>destination += source, element-wise: sums the gradients of a tensor read by several layers.</summary>
    void AddInPlace(FloatBuffer source, FloatBuffer destination, int length);
}
