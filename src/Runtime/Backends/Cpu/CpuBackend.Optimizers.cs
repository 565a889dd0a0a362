namespace Unroll;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void OptimizerUpdate(in OptimizerStep step, FloatBuffer value, FloatBuffer gradient, FloatBuffer? state0, FloatBuffer? state1, int length)
        => OptimizerKernels.Update(step, value, gradient, state0, state1, length);
}
