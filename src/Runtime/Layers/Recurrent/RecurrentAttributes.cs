namespace Unroll;

// Recurrent layers read a sequence, (steps, features): [Network(28, 28)] is 28 steps of 28 features. The generator knows
// every step, so the forward pass runs them with literal sizes and backward is backpropagation through those steps.
// Weights are PyTorch's, in its layout and names (weight_ih_l0 [gates·units, inputs], weight_hh_l0 [gates·units, units],
// bias_ih_l0 and bias_hh_l0 [gates·units]; the reversed direction of a bidirectional layer adds "_reverse"), so they
// move to and from nn.RNN, nn.LSTM and nn.GRU. They start Glorot-uniform (Keras's kernel initialiser; Keras's recurrent
// one is orthogonal), biases zero.

/// <summary>
/// Elman recurrent layer, PyTorch's <c>nn.RNN</c> with tanh: hₜ = tanh(W_ih·xₜ + b_ih + W_hh·hₜ₋₁ + b_hh), h₋₁ = 0.
/// Output: the last step's h, (units), or every step's, (steps, units) with <see cref="ReturnSequences"/>; twice the units
/// when <see cref="Bidirectional"/>.
/// </summary>
/// <example><c>[Network(28, 28)] [SimpleRnn(64), Dense(10), Softmax]</c></example>
public sealed class SimpleRnnAttribute(int units) : LayerAttribute
{
    /// <summary>Size of the hidden state.</summary>
    public int Units { get; } = units;

    /// <summary>Output every step's hidden state, (steps, units), rather than the last one's (default false).</summary>
    public bool ReturnSequences { get; set; }

    /// <summary>Also run the sequence backwards, with weights of its own, and concatenate both outputs (default false).</summary>
    public bool Bidirectional { get; set; }
}

/// <summary>
/// Long short-term memory, PyTorch's <c>nn.LSTM</c>: gates i, f, g, o (in that order in the weights) from
/// W_ih·xₜ + b_ih + W_hh·hₜ₋₁ + b_hh; i, f, o sigmoid, g tanh; cₜ = f ⊙ cₜ₋₁ + i ⊙ g, hₜ = o ⊙ tanh(cₜ).
/// </summary>
/// <example><c>[Network(28, 28)] [Lstm(128), Dense(10), Softmax]</c></example>
public sealed class LstmAttribute(int units) : LayerAttribute
{
    /// <summary>Size of the hidden and cell states.</summary>
    public int Units { get; } = units;

    /// <summary>Output every step's hidden state, (steps, units), rather than the last one's (default false).</summary>
    public bool ReturnSequences { get; set; }

    /// <summary>Also run the sequence backwards, with weights of its own, and concatenate both outputs (default false).</summary>
    public bool Bidirectional { get; set; }
}

/// <summary>
/// Gated recurrent unit, PyTorch's <c>nn.GRU</c>: gates r, z, n (in that order in the weights);
/// r = σ(W_ir·x + b_ir + W_hr·h + b_hr), z = σ(W_iz·x + b_iz + W_hz·h + b_hz), n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)),
/// hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁. Keras's GRU with <c>reset_after=True</c> (its default) computes the same function.
/// </summary>
/// <example><c>[Network(28, 28)] [Gru(128), Dense(10), Softmax]</c></example>
public sealed class GruAttribute(int units) : LayerAttribute
{
    /// <summary>Size of the hidden state.</summary>
    public int Units { get; } = units;

    /// <summary>Output every step's hidden state, (steps, units), rather than the last one's (default false).</summary>
    public bool ReturnSequences { get; set; }

    /// <summary>Also run the sequence backwards, with weights of its own, and concatenate both outputs (default false).</summary>
    public bool Bidirectional { get; set; }
}
