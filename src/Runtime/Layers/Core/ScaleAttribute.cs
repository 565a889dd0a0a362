namespace Unroll;

/// <summary>
/// Multiplies every value by a constant: y = factor·x. Inception-ResNet scales each residual branch (0.17, 0.1, 0.2)
/// before adding it, which keeps very deep residual stacks stable.
/// </summary>
/// <example><c>[Dense(64), Scale(0.5)]</c></example>
public sealed class ScaleAttribute(double factor) : LayerAttribute
{
    /// <summary>The constant every value is multiplied by.</summary>
    public double Factor { get; } = factor;
}
