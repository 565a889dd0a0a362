using System;
using Xunit;

namespace Unroll.Tests.Training;

/// <summary>
/// Checks the generated backward pass of whole networks (every layer's wiring, not just each kernel) against
/// central finite differences of the loss with respect to every parameter value.
/// </summary>
public sealed class NetworkGradientTests
{
    private static void CheckAllParameters<TNet>(Loss loss, float[] targets, int batch, bool fused, int seed = 3)
        where TNet : INetwork<TNet>
        => GradientCheck.CheckAllParameters<TNet>(loss, [targets], batch, fused, training: false, seed);

    [Fact]
    public void Conv_pool_dense_softmax_network_with_fused_cross_entropy()
    {
        // Labels for a batch of 3.
        CheckAllParameters<SmoothNet>(new SparseCategoricalCrossEntropy(), [2, 0, 1], batch: 3, fused: true);
    }

    [Fact]
    public void Conv_pool_dense_softmax_network_through_the_softmax_backward()
    {
        float[] oneHot = [0, 0, 1, 1, 0, 0, 0, 1, 0];
        CheckAllParameters<SmoothNet>(new CategoricalCrossEntropy(), oneHot, batch: 3, fused: false);
    }

    [Fact]
    public void Regression_network_with_dropout_in_inference_mode()
    {
        CheckAllParameters<RegressionNet>(new MeanSquaredError(), [0.5f, -1, 2, 0.25f, 1, 1, -0.5f, 0], batch: 4, fused: false);
    }

    [Fact]
    public void Sigmoid_network_with_fused_binary_cross_entropy()
    {
        CheckAllParameters<BinaryNet>(new BinaryCrossEntropy(), [1, 0, 0, 1], batch: 4, fused: true);
    }
}
