namespace Unroll;

/// <summary>
/// The per-channel buffers of one batch normalisation layer: its parameters (<see cref="Gamma"/> 1 and <see cref="Beta"/> 0
/// when null), its running statistics, and the batch statistics a training pass saves for backward
/// (<see cref="SavedInverseStd"/> is 1/√(var + ε)). Each holds one value per channel.
/// </summary>
/// <example><code>
/// var buffers = new BatchNormBuffers(gamma, beta, runningMean, runningVariance, savedMean, savedInverseStd);
/// backend.BatchNormForward(x, y, buffers, batch, geometry, training: true);
/// </code></example>
public readonly record struct BatchNormBuffers(
    FloatBuffer? Gamma, FloatBuffer? Beta,
    FloatBuffer RunningMean, FloatBuffer RunningVariance,
    FloatBuffer SavedMean, FloatBuffer SavedInverseStd);
