namespace Unroll;

/// <summary>Recurrent layers over (batch, steps, inputs) sequences, one direction a call. Part of <see cref="IBackend"/>.</summary>
public interface IRecurrentOperations
{
    /// <summary>Runs every step of one direction, keeping the states backward needs; see <see cref="RecurrentGeometry"/>.</summary>
    void RecurrentForward(FloatBuffer input, FloatBuffer output, in RecurrentBuffers buffers, int batch, in RecurrentGeometry geometry);

    /// <summary>
    /// Backpropagation through the steps of a forward pass: the parameter gradients (overwritten) and, when
    /// <paramref name="inputGradient"/> is not null, the input gradient (added to when the geometry says so).
    /// </summary>
    void RecurrentBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        in RecurrentBuffers buffers, in RecurrentGradients gradients, int batch, in RecurrentGeometry geometry);
}
