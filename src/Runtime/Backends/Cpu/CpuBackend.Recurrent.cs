namespace Unroll;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void RecurrentForward(FloatBuffer input, FloatBuffer output, in RecurrentBuffers buffers, int batch, in RecurrentGeometry geometry)
        => RecurrentKernels.Forward(input, output, buffers, batch, geometry);

    /// <inheritdoc/>
    public void RecurrentBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        in RecurrentBuffers buffers, in RecurrentGradients gradients, int batch, in RecurrentGeometry geometry)
        => RecurrentKernels.Backward(input, outputGradient, inputGradient, buffers, gradients, batch, geometry);
}
