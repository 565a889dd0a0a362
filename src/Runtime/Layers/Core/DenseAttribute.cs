namespace Unroll;

/// <summary>
/// Fully connected layer: y = x·Wᵀ + b, with W stored as [units, inputs] (PyTorch's layout).
/// Its input must be one-dimensional: put <see cref="FlattenAttribute"/> after convolutions.
/// </summary>
/// <example><c>[Dense(128), Relu]</c></example>
public sealed class DenseAttribute(int units) : LayerAttribute
{
    /// <summary>Number of output features.</summary>
    public int Units { get; } = units;

    /// <summary>Whether the layer adds a bias vector (default true).</summary>
    public bool UseBias { get; set; } = true;
}
