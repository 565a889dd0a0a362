// Shared with the generator (linked into src/Generators), so it must compile for netstandard2.0.
namespace Unroll
{
    /// <summary>How a convolution or pooling window treats the border of its input.</summary>
    public enum Padding
    {
        /// <summary>No padding: the window stays inside the input; output = (n - k) / s + 1.</summary>
        Valid = 0,

        /// <summary>Zero-padding so that output = ceil(n / s), split as evenly as possible (extra on the bottom/right), as in Keras and TensorFlow.</summary>
        Same = 1,
    }
}
