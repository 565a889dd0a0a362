namespace Unroll;

/// <summary>
/// Inverted dropout: while training, zeroes each value with probability <see cref="Rate"/> and scales the rest by 1 / (1 − rate);
/// at inference it passes values through unchanged.
/// </summary>
/// <example><c>[Dense(256), Relu, Dropout(0.2)]</c></example>
public sealed class DropoutAttribute(double rate) : LayerAttribute
{
    /// <summary>The fraction of values dropped while training, in [0, 1).</summary>
    public double Rate { get; } = rate;
}
