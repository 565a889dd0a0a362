using System;
using System.Linq;
using Xunit;
using Catalogue = Unroll.Losses;

namespace Unroll.Tests.Losses;

/// <summary>
/// Keras's from_logits: a cross-entropy created with fromLogits: true takes raw scores in Compute and applies softmax or
/// sigmoid itself (value and gradient checks against references and central differences run through LossCases).
/// </summary>
public sealed class FromLogitsTests
{
    public static TheoryData<Loss, float[]> ProbabilityLosses() => new()
    {
        { new CategoricalCrossEntropy(), [0, 0, 1, 0, 0.2f, 0.3f, 0.1f, 0.4f] },
        { new SparseCategoricalCrossEntropy(), [2, 1] },
        { new BinaryCrossEntropy(), [1, 0, 0.3f, 1, 0, 0, 1, 0.5f] },
    };

    [Theory]
    [MemberData(nameof(ProbabilityLosses))]
    public void Compute_from_logits_is_the_fused_form_of_the_probability_loss(Loss probabilities, float[] target)
    {
        const int batch = 2, size = 4;
        var random = new Random(5);
        var logits = Enumerable.Range(0, batch * size).Select(_ => (float)(6 * random.NextDouble() - 3)).ToArray();
        var fromLogits = probabilities switch
        {
            CategoricalCrossEntropy => (Loss)new CategoricalCrossEntropy(fromLogits: true),
            SparseCategoricalCrossEntropy => new SparseCategoricalCrossEntropy(fromLogits: true),
            _ => new BinaryCrossEntropy(fromLogits: true),
        };
        Assert.False(probabilities.FromLogits);
        Assert.True(fromLogits.FromLogits);

        var fusedGradient = new float[logits.Length];
        var gradient = new float[logits.Length];
        var fused = probabilities.ComputeFromLogits(logits, target, fusedGradient, batch, size);
        var value = fromLogits.Compute(logits, target, gradient, batch, size);

        Assert.Equal(fused, value);
        Assert.Equal(fusedGradient, gradient);
        // Reading the same logits as probabilities gives another number: that is the mistake fromLogits prevents.
        Assert.NotEqual(value, probabilities.Compute(logits, target, new float[logits.Length], batch, size));
    }

    [Fact]
    public void From_logits_is_also_an_init_property_and_off_by_default()
    {
        Assert.True(new SparseCategoricalCrossEntropy { FromLogits = true }.FromLogits);
        Assert.False(new SparseCategoricalCrossEntropy().FromLogits);
        Assert.All(Catalogue.All, loss => Assert.False(loss.FromLogits));
    }

    [Fact]
    public void A_loss_without_a_fused_form_refuses_logits()
    {
        var e = Assert.Throws<NotSupportedException>(() => new MeanSquaredError { FromLogits = true });
        Assert.Contains("Loss 'mean_squared_error' cannot take logits", e.Message);
    }

    [Fact]
    public void Sparse_targets_are_described_for_the_caller_to_name_the_sample()
    {
        var loss = new SparseCategoricalCrossEntropy();
        Assert.Null(loss.DescribeInvalidTarget([2], 3));
        Assert.Equal("is 3, which is not a class index: expected an integer in [0, 3)", loss.DescribeInvalidTarget([3], 3));
        Assert.Equal("is -1, which is not a class index: expected an integer in [0, 3)", loss.DescribeInvalidTarget([-1], 3));
        Assert.Null(new CategoricalCrossEntropy().DescribeInvalidTarget([0.5f, 0.5f, 0], 3));
    }
}
