using System.Linq;
using Xunit;

namespace Unroll.Tests.Training;

/// <summary>
/// Finite-difference checks of every trainable parameter of branching networks (residual Add, Concat, BatchNorm,
/// grouped/depthwise/separable convolutions, zero padding, global pooling, auxiliary outputs). They need the CPU kernels
/// of the graph operations (CpuBackend.Graph.cs).
/// </summary>
public sealed class GraphGradientTests
{
    [Fact]
    public void Residual_blocks_with_batch_norm_in_training_mode()
        => GradientCheck.CheckAllParameters<ResidualBatchNormNet>(new SparseCategoricalCrossEntropy(), [[2, 0, 1, 1]], batch: 4, fused: true, training: true);

    [Fact]
    public void Inception_block_with_concat_and_zero_padding()
        => GradientCheck.CheckAllParameters<InceptionBlockNet>(new SparseCategoricalCrossEntropy(), [[2, 0, 1]], batch: 3, fused: false);

    [Fact]
    public void Grouped_depthwise_and_separable_convolutions()
        => GradientCheck.CheckAllParameters<ConvVariantsNet>(new MeanSquaredError(), [[0.5f, -1, 2, 0.25f, 1, -0.5f]], batch: 3, fused: false);

    [Fact]
    public void Auxiliary_output_with_loss_weight_fused()
        => GradientCheck.CheckAllParameters<AuxiliaryOutputNet>(new SparseCategoricalCrossEntropy(), [[3, 0, 1], [2, 1, 0]], batch: 3, fused: true);

    [Fact]
    public void Auxiliary_output_with_loss_weight_through_softmax()
        => GradientCheck.CheckAllParameters<AuxiliaryOutputNet>(new SparseCategoricalCrossEntropy(), [[3, 0, 1], [2, 1, 0]], batch: 3, fused: false);

    [Fact]
    public void Batch_norm_after_dense_in_training_mode()
        => GradientCheck.CheckAllParameters<DenseBatchNormNet>(new MeanSquaredError(), [[0.5f, -1, 2, 0.25f, 1, -0.5f, 0, 1]], batch: 4, fused: false, training: true);

    [Fact]
    public void Parameter_counts_follow_keras_and_pytorch()
    {
        // DenseBatchNormNet: dense 36, batch norm 6·4 = 24 (12 trainable), dense 14.
        Assert.Equal(74, DenseBatchNormNet.ParameterCount);
        Assert.Equal(62, DenseBatchNormNet.TrainableParameterCount);
        var net = new DenseBatchNormNet(2, new Unroll.Tests.Generator.RecordingBackend());
        Assert.Equal(["batch_normalization_1.running_mean", "batch_normalization_1.running_var"], net.Statistics.Select(p => p.Name));
        Assert.All(net.Statistics, p => Assert.False(p.IsTrainable));
        Assert.All(net.Parameters, p => Assert.True(p.IsTrainable));
    }
}
