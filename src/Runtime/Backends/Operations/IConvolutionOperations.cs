namespace Unroll;

/// <summary>2-D convolutions, grouped, depthwise and transposed ones included. Part of <see cref="IBackend"/>.</summary>
public interface IConvolutionOperations
{
    /// <summary>Length of the scratch buffer <see cref="Conv2DForward"/> and <see cref="Conv2DBackward"/> need for batches up to <paramref name="capacity"/>.</summary>
    int Conv2DWorkspaceLength(in Conv2DGeometry geometry, int capacity);

    /// <summary>Cross-correlation of each sample with every filter, plus the filter's bias.</summary>
    void Conv2DForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace,
        int batch, in Conv2DGeometry geometry);

    /// <summary>Gradients of <see cref="Conv2DForward"/> with respect to its input, weight and bias.</summary>
    void Conv2DBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient,
        FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace,
        int batch, in Conv2DGeometry geometry);

    /// <summary>
    /// Transposed convolution: each input value scatters its filters into the output at the stride, cropped by the
    /// padding, plus the filter's bias. It is the input gradient of <see cref="Conv2DForward"/> on
    /// <see cref="Conv2DTransposeGeometry.Convolution"/>, and its workspace is that convolution's:
    /// <see cref="Conv2DWorkspaceLength"/>(geometry.Convolution, capacity).
    /// </summary>
    void Conv2DTransposeForward(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace,
        int batch, in Conv2DTransposeGeometry geometry);

    /// <summary>
    /// Gradients of <see cref="Conv2DTransposeForward"/> with respect to its input (a convolution of the output gradient),
    /// weight and bias; the workspace is sized as for the forward.
    /// </summary>
    void Conv2DTransposeBackward(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient,
        FloatBuffer? inputGradient, FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace,
        int batch, in Conv2DTransposeGeometry geometry);
}
