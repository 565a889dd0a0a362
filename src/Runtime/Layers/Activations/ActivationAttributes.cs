namespace Unroll;

// Activations are layers of their own, written after the layer they follow: [Dense(128), Relu].

/// <summary>Identity activation, f(x) = x. Useful to name an output explicitly.</summary>
public sealed class LinearAttribute : LayerAttribute;

/// <summary>Rectified linear unit, f(x) = max(0, x).</summary>
public sealed class ReluAttribute : LayerAttribute;

/// <summary>Leaky ReLU, f(x) = x for x &gt; 0 and alpha·x otherwise. Default alpha 0.01, as in PyTorch.</summary>
public sealed class LeakyReluAttribute(double alpha) : LayerAttribute
{
    /// <summary>Leaky ReLU with alpha 0.01.</summary>
    public LeakyReluAttribute() : this(0.01) { }

    /// <summary>Slope for negative inputs.</summary>
    public double Alpha { get; } = alpha;
}

/// <summary>Exponential linear unit, f(x) = x for x &gt; 0 and alpha·(eˣ − 1) otherwise. Default alpha 1.</summary>
public sealed class EluAttribute(double alpha) : LayerAttribute
{
    /// <summary>ELU with alpha 1.</summary>
    public EluAttribute() : this(1.0) { }

    /// <summary>Saturation value for negative inputs is −alpha.</summary>
    public double Alpha { get; } = alpha;
}

/// <summary>Logistic sigmoid, f(x) = 1 / (1 + e⁻ˣ). As the last layer, pairs with binary cross-entropy in a fused, stable form.</summary>
public sealed class SigmoidAttribute : LayerAttribute;

/// <summary>Hyperbolic tangent.</summary>
public sealed class TanhAttribute : LayerAttribute;

/// <summary>Softmax over each sample's features. As the last layer, pairs with categorical cross-entropy in a fused, stable form.</summary>
public sealed class SoftmaxAttribute : LayerAttribute;
