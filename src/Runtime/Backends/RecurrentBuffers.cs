namespace Unroll;

/// <summary>
/// One direction of a recurrent layer: its parameters, the states a forward pass keeps for backward
/// (<see cref="RecurrentGeometry.StatesLength"/> values a sample) and a scratch for one step
/// (<see cref="RecurrentGeometry.StepLength"/> values a sample).
/// </summary>
public readonly record struct RecurrentBuffers(
    FloatBuffer WeightIh, FloatBuffer WeightHh, FloatBuffer BiasIh, FloatBuffer BiasHh,
    FloatBuffer States, FloatBuffer Step);

/// <summary>
/// Where backward puts one direction's parameter gradients (overwritten), and scratch buffers of
/// <see cref="RecurrentGeometry.GateGradientLength"/> values a sample: the gradients of the gates' input and hidden parts.
/// They differ only in a GRU (its n gate's hidden part is r ⊙ (W_hn·h + b_hn)); the other cells read only
/// <c>Gates</c>, and <c>HiddenGates</c> may be the same buffer.
/// </summary>
public readonly record struct RecurrentGradients(
    FloatBuffer WeightIh, FloatBuffer WeightHh, FloatBuffer BiasIh, FloatBuffer BiasHh,
    FloatBuffer Gates, FloatBuffer HiddenGates);
