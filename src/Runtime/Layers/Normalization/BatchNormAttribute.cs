namespace Unroll;

/// <summary>
/// Batch normalisation (Ioffe and Szegedy, 2015) per channel (per feature after a Dense layer): while training, normalises
/// with the batch's statistics and updates running averages; at inference, uses the running averages. Parameters:
/// <c>gamma</c> (when <see cref="Scale"/>) and <c>beta</c> (when <see cref="Center"/>), trainable; <c>running_mean</c> and
/// <c>running_var</c>, not trainable, counted in the total like Keras's moving statistics.
/// </summary>
/// <example><c>[Conv2D(32, 3, UseBias = false), BatchNorm, Relu]</c></example>
public sealed class BatchNormAttribute : LayerAttribute
{
    /// <summary>Fraction of the running averages kept at each training step, as Keras (default 0.99; PyTorch's momentum 0.1 is 0.9 here).</summary>
    public double Momentum { get; set; } = 0.99;

    /// <summary>Added to the variance before its square root (default 1e-3, as Keras; torchvision uses 1e-5).</summary>
    public double Epsilon { get; set; } = 1e-3;

    /// <summary>Whether to multiply by a learned <c>gamma</c> (default true; Keras's Inception v3 turns it off).</summary>
    public bool Scale { get; set; } = true;

    /// <summary>Whether to add a learned <c>beta</c> (default true).</summary>
    public bool Center { get; set; } = true;
}
