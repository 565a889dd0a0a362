namespace Unroll;

/// <summary>The update rules of the built-in optimizers (<see cref="Optimizer"/>'s subclasses).</summary>
public enum UpdateRule
{
    /// <summary>p −= lr·g.</summary>
    Sgd,
    /// <summary>v = μ·v + g; p −= lr·v.</summary>
    Momentum,
    /// <summary>v = μ·v + g; p −= lr·(g + μ·v).</summary>
    Nesterov,
    /// <summary>s += g²; p −= lr·g / (√s + ε).</summary>
    Adagrad,
    /// <summary>s = α·s + (1 − α)·g²; p −= lr·g / (√s + ε).</summary>
    RmsProp,
    /// <summary>s = ρ·s + (1 − ρ)·g²; Δ = √(a + ε) / √(s + ε)·g; a = ρ·a + (1 − ρ)·Δ²; p −= lr·Δ.</summary>
    Adadelta,
    /// <summary>m += (1 − β₁)·(g − m); v = β₂·v + (1 − β₂)·g²; p −= step·m / (√v / correction + ε).</summary>
    Adam,
}

/// <summary>
/// One step of an update rule, its settings for this step: <see cref="LearningRate"/> (Adam's bias-corrected step size),
/// <see cref="Momentum"/> (μ, or Adam's β₁), <see cref="Decay"/> (RMSprop's α, Adadelta's ρ, Adam's β₂),
/// <see cref="Epsilon"/> and <see cref="Correction"/> (Adam's √(1 − β₂ᵗ)). Settings a rule does not read are 0.
/// Every rule first shrinks the value by <see cref="ValueScale"/> (decoupled weight decay: AdamW's 1 − lr·λ), then
/// reads the gradient as g·<see cref="GradientScale"/> + <see cref="WeightDecay"/>·p (clipping by the global norm, then
/// L2 weight decay, in PyTorch's order); at 1, 1 and 0 these change nothing and cost nothing.
/// </summary>
public readonly record struct OptimizerStep(UpdateRule Rule, float LearningRate, float Momentum = 0f, float Decay = 0f,
    float Epsilon = 0f, float Correction = 0f, float ValueScale = 1f, float GradientScale = 1f, float WeightDecay = 0f)
{
    /// <summary>Whether the gradient is read as anything but itself.</summary>
    public bool TransformsGradient => GradientScale != 1f || WeightDecay != 0f;
}

/// <summary>Parameter updates, on the parameters' own memory. Part of <see cref="IBackend"/>.</summary>
public interface IOptimizerOperations
{
    /// <summary>
    /// Applies <paramref name="step"/> to <paramref name="length"/> values of <paramref name="value"/> from
    /// <paramref name="gradient"/>, reading and updating the rule's state (<paramref name="state0"/>: velocity, sum,
    /// square average or first moment; <paramref name="state1"/>: Adadelta's delta average or Adam's second moment;
    /// null where the rule keeps less).
    /// </summary>
    void OptimizerUpdate(in OptimizerStep step, FloatBuffer value, FloatBuffer gradient, FloatBuffer? state0, FloatBuffer? state1, int length);
}
