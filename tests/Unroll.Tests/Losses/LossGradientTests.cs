using System;
using System.Linq;
using Xunit;

namespace Unroll.Tests.Losses;

/// <summary>Every loss's value and gradient against its double-precision reference, for every kind of target.</summary>
public sealed class LossGradientTests
{
    public static TheoryData<LossCase> Cases => LossCases.Theory();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ValueMatchesDoubleReference(LossCase c)
    {
        var gradient = new float[c.Input.Length];
        float value = LossCases.Run(c, gradient);
        double expected = LossReference.For(c.Loss, c.FromLogits)(LossReference.ToDouble(c.Input), LossReference.ToDouble(c.Target), c.Batch, c.Size);
        // The runtime sums in double and rounds once to float: relative error ≈ 6e-8; 1e-6 leaves room, a wrong term would be off by percent.
        Assert.True(Math.Abs(value - expected) <= 1e-6 * Math.Abs(expected) + 1e-7, $"{c.Label}: {value} vs reference {expected}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientMatchesCentralDifferences(LossCase c)
    {
        var gradient = new float[c.Input.Length];
        LossCases.Run(c, gradient);
        var reference = LossReference.For(c.Loss, c.FromLogits);
        var numerical = LossReference.NumericalGradient(reference, LossReference.ToDouble(c.Input), LossReference.ToDouble(c.Target), c.Batch, c.Size);
        double largest = numerical.Max(Math.Abs);
        for (int i = 0; i < gradient.Length; i++)
        {
            // The float gradient carries ~1e-7 relative error and the quotient ~1e-8; 1e-5 of the largest entry catches any
            // wrong factor, sign, missing normalisation term or wrong reduction (all O(1) relative errors).
            Assert.True(Math.Abs(gradient[i] - numerical[i]) <= 1e-5 * largest + 1e-8,
                $"{c.Label}: dL/dx[{i}] = {gradient[i]}, central difference {numerical[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ComputeAllocatesNothing(LossCase c)
    {
        var gradient = new float[c.Input.Length];
        LossCases.Run(c, gradient); // warm up: JIT, static instances
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) LossCases.Run(c, gradient);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void SparseEqualsCategoricalWithOneHotTargets()
    {
        var c = LossCases.All().Single(x => x.Label == "sparse cce");
        var oneHot = new float[c.Input.Length];
        for (int b = 0; b < c.Batch; b++) oneHot[b * c.Size + (int)c.Target[b]] = 1;
        var sparseGradient = new float[c.Input.Length];
        var denseGradient = new float[c.Input.Length];
        float sparse = c.Loss.Compute(c.Input, c.Target, sparseGradient, c.Batch, c.Size);
        float dense = new CategoricalCrossEntropy().Compute(c.Input, oneHot, denseGradient, c.Batch, c.Size);
        Assert.Equal(dense, sparse);
        Assert.Equal(denseGradient, sparseGradient);

        sparse = c.Loss.ComputeFromLogits(c.Input, c.Target, sparseGradient, c.Batch, c.Size);
        dense = new CategoricalCrossEntropy().ComputeFromLogits(c.Input, oneHot, denseGradient, c.Batch, c.Size);
        Assert.Equal(dense, sparse);
        Assert.Equal(denseGradient, sparseGradient);
    }

    [Theory]
    [InlineData(typeof(Hinge))]
    [InlineData(typeof(SquaredHinge))]
    public void HingeReadsZeroOneTargetsAsMinusOneOne(Type type)
    {
        var loss = (Loss)Activator.CreateInstance(type)!;
        float[] p = [0.3f, -2f, 0.5f, 1.5f];
        var g1 = new float[4];
        var g2 = new float[4];
        float pm = loss.Compute(p, [1, -1, -1, 1], g1, 2, 2);
        float zo = loss.Compute(p, [1, 0, 0, 1], g2, 2, 2);
        Assert.Equal(pm, zo);
        Assert.Equal(g1, g2);
    }
}
