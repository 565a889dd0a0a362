using System;
using Xunit;
using Catalogue = Unroll.Losses;

namespace Unroll.Tests.Losses;

/// <summary>Bad sizes and bad class indices throw exceptions that name the problem; the catalogue finds every loss.</summary>
public sealed class LossValidationTests
{
    public static TheoryData<Loss> AllLosses()
    {
        var data = new TheoryData<Loss>();
        foreach (var loss in Catalogue.All) data.Add(loss);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void NonPositiveBatchThrows(Loss loss)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => loss.Compute([], [], [], 0, 3));
        Assert.Equal("batch", ex.ParamName);
        Assert.Contains("batch must be positive, but is 0", ex.Message);
        Assert.Contains(loss.Name, ex.Message);
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void WrongPredictionLengthNamesTheSpanAndTheNumbers(Loss loss)
    {
        int t = loss.TargetSize(3);
        var ex = Assert.Throws<ArgumentException>(() => loss.Compute(new float[5], new float[2 * t], new float[6], 2, 3));
        Assert.Equal("prediction", ex.ParamName);
        Assert.Contains("prediction holds 5 values, but batch × outputSize = 2 × 3 = 6", ex.Message);
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void WrongGradientLengthThrows(Loss loss)
    {
        int t = loss.TargetSize(3);
        var ex = Assert.Throws<ArgumentException>(() => loss.Compute(new float[6], new float[2 * t], new float[7], 2, 3));
        Assert.Equal("gradient", ex.ParamName);
        Assert.Contains("gradient holds 7 values", ex.Message);
    }

    [Theory]
    [MemberData(nameof(AllLosses))]
    public void WrongTargetLengthThrows(Loss loss)
    {
        var ex = Assert.Throws<ArgumentException>(() => loss.Compute(new float[6], new float[4], new float[6], 2, 3));
        Assert.Equal("target", ex.ParamName);
        Assert.Contains($"target holds 4 values, but batch × ", ex.Message);
        Assert.Contains($"= 2 × {loss.TargetSize(3)} = {2 * loss.TargetSize(3)}", ex.Message);
    }

    [Fact]
    public void WrongLogitLengthNamesLogits()
    {
        var ex = Assert.Throws<ArgumentException>(() => Catalogue.CategoricalCrossEntropy.ComputeFromLogits(new float[5], new float[6], new float[6], 2, 3));
        Assert.Equal("logits", ex.ParamName);
        Assert.Contains("logits holds 5 values", ex.Message);
    }

    [Theory]
    [InlineData(2.5f, "2.5")]
    [InlineData(-1f, "-1")]
    [InlineData(3f, "3")]
    [InlineData(float.NaN, "NaN")]
    public void SparseTargetMustBeAClassIndex(float bad, string shown)
    {
        var loss = Catalogue.SparseCategoricalCrossEntropy;
        Assert.Equal(1, loss.TargetSize(3));
        foreach (bool fused in new[] { false, true })
        {
            var ex = Assert.Throws<ArgumentException>(() => fused
                ? loss.ComputeFromLogits(new float[6], [0, bad], new float[6], 2, 3)
                : loss.Compute([0.2f, 0.3f, 0.5f, 0.2f, 0.3f, 0.5f], [0, bad], new float[6], 2, 3));
            Assert.Equal("target", ex.ParamName);
            Assert.Contains($"the target of sample 1 is {shown}, which is not a class index: expected an integer in [0, 3)", ex.Message);
        }
    }

    [Fact]
    public void CatalogueFindsEveryLossByKerasNameAndAlias()
    {
        Assert.Equal(9, Catalogue.All.Count);
        foreach (var loss in Catalogue.All) Assert.Same(loss, Catalogue.FromName(loss.Name));
        Assert.Same(Catalogue.MeanSquaredError, Catalogue.FromName("mse"));
        Assert.Same(Catalogue.MeanAbsoluteError, Catalogue.FromName("MAE"));
        Assert.Same(Catalogue.MeanSquaredLogarithmicError, Catalogue.FromName("msle"));
        Assert.Same(Catalogue.KullbackLeiblerDivergence, Catalogue.FromName("kullback_leibler_divergence"));
        Assert.Equal("categorical_crossentropy", Catalogue.CategoricalCrossEntropy.Name);
        var ex = Assert.Throws<ArgumentException>(() => Catalogue.FromName("cross_entropy"));
        Assert.Contains("No loss is named 'cross_entropy'", ex.Message);
        Assert.Contains("sparse_categorical_crossentropy", ex.Message);
    }
}
