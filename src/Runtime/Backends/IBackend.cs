using System;

namespace Unroll;

/// <summary>
/// The seam between generated networks and the hardware. Generated code calls only these operations, with every size a
/// constant, on buffers it allocated at construction; a backend (the CPU one here, an ILGPU one later) supplies them.
/// Layouts are row-major: activations (batch, features) or (batch, channels, height, width).
/// Backward operations overwrite (not accumulate into) their gradient outputs; a null input gradient means "not needed".
/// </summary>
/// <remarks>
/// The operations come in families, one interface each (<see cref="IDenseOperations"/>, <see cref="IConvolutionOperations"/>,
/// …); this interface adds the buffers and inherits them all. A shaped operation takes its buffers, then <c>int batch</c>,
/// then its sizes as one <c>in</c> argument struct (<see cref="Conv2DGeometry"/>, <see cref="DenseGeometry"/>, …), which
/// generated code keeps in static readonly fields; element-wise operations take a length. To wrap a backend (to record,
/// time or check calls) derive from <see cref="ForwardingBackend"/>.
/// </remarks>
public interface IBackend :
    IDenseOperations, IConvolutionOperations, IPoolingOperations, IActivationOperations,
    INormalizationOperations, IElementwiseOperations, IMergingOperations, IReshapingOperations, IRecurrentOperations,
    ILossOperations, IOptimizerOperations
{
    /// <summary>A short name for logs, e.g. "cpu (avx512, 2 threads)".</summary>
    string Name { get; }

    /// <summary>
    /// Whether this backend implements <paramref name="operation"/>, named as its method here (<c>nameof(IBackend.Conv2DBackward)</c>).
    /// A generated network asks at construction for every operation it calls (see <see cref="BackendSupport.Require"/>), so a
    /// backend that lacks one fails there, naming it, rather than midway through a pass. All of them unless overridden.
    /// </summary>
    bool Supports(string operation) => true;

    /// <summary>Allocates a zero-filled buffer.</summary>
    FloatBuffer Allocate(int length);

    /// <summary>Copies host values into <paramref name="destination"/> starting at <paramref name="offset"/>.</summary>
    void Upload(ReadOnlySpan<float> source, FloatBuffer destination, int offset = 0);

    /// <summary>Copies values of <paramref name="source"/>, starting at <paramref name="offset"/>, into host memory.</summary>
    void Download(FloatBuffer source, int offset, Span<float> destination);

    /// <summary>Copies the first <paramref name="length"/> values of one buffer into another.</summary>
    void Copy(FloatBuffer source, FloatBuffer destination, int length);
}
