namespace Unroll;

/// <summary>
/// The loss, its gradient and the accuracy count, on the backend's own memory: a training step then brings down only
/// the loss and the count (see <see cref="Trainer{TNetwork}"/>). Part of <see cref="IBackend"/>.
/// </summary>
public interface ILossOperations
{
    /// <summary>
    /// Computes <paramref name="loss"/> over the first <paramref name="batch"/> rows: writes the batch's mean loss into
    /// <c>result[slot]</c> and dLoss/dPrediction × <paramref name="gradientScale"/> (an auxiliary output's weight) into
    /// <paramref name="gradient"/>. With <paramref name="logits"/> the predictions are the input of the loss's
    /// <see cref="Loss.FusesWith"/> activation, as <see cref="Loss.ComputeFromLogits"/> takes them; otherwise as
    /// <see cref="Loss.Compute"/> takes them. Targets are <see cref="Loss.TargetSize"/>(<paramref name="size"/>) values a
    /// sample, already checked (<see cref="Loss.DescribeInvalidTarget"/>): a backend that cannot raise an error where it
    /// computes writes a NaN loss for a target it cannot take.
    /// </summary>
    void LossForward(Loss loss, bool logits, FloatBuffer prediction, FloatBuffer target, FloatBuffer gradient, float gradientScale,
        FloatBuffer result, int slot, int batch, int size);

    /// <summary>
    /// Writes into <c>result[slot]</c> how many of the first <paramref name="batch"/> rows of <paramref name="prediction"/>
    /// (<paramref name="size"/> values each) predict their label (<paramref name="labels"/>, one class index a row, as a
    /// float): the index of the row's largest value, the first on a tie; with one value, class 1 when it is above
    /// <paramref name="threshold"/>. The count is exact (a float holds every integer below 2²⁴).
    /// </summary>
    void CountCorrect(FloatBuffer prediction, FloatBuffer labels, FloatBuffer result, int slot, int batch, int size, float threshold);
}
