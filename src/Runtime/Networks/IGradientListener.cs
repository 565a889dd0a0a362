namespace Unroll;

/// <summary>
/// Told during <see cref="INetwork.Backward"/> as each layer's parameter gradients become final, so that a data-parallel
/// trainer can send them to the other ranks while the rest of the pass runs (<see cref="INetwork.GradientListener"/>).
/// Generated networks call it once per layer with parameters, last layer first, on the thread that runs the pass.
/// </summary>
public interface IGradientListener
{
    /// <summary>The gradients of <c>Parameters[firstParameter .. firstParameter + count]</c> are complete for this pass.</summary>
    void GradientsReady(int firstParameter, int count);
}
