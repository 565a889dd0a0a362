// Shared with the generator (linked into src/Generators), so it must compile for netstandard2.0.
namespace Unroll
{
    /// <summary>The element-wise and row-wise activations a network can apply.</summary>
    public enum Activation
    {
        /// <summary>f(x) = x.</summary>
        Linear = 0,
        /// <summary>f(x) = max(0, x).</summary>
        Relu = 1,
        /// <summary>f(x) = x for x &gt; 0, alpha·x otherwise.</summary>
        LeakyRelu = 2,
        /// <summary>f(x) = x for x &gt; 0, alpha·(eˣ − 1) otherwise.</summary>
        Elu = 3,
        /// <summary>f(x) = 1 / (1 + e⁻ˣ).</summary>
        Sigmoid = 4,
        /// <summary>f(x) = tanh(x).</summary>
        Tanh = 5,
        /// <summary>Row-wise: f(x)ᵢ = eˣⁱ / Σⱼ eˣʲ over each sample's features.</summary>
        Softmax = 6,
    }
}
