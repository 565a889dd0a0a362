using System;
using Xunit;

namespace Unroll.Tests.Losses;

/// <summary>Values worked out by hand on tiny batches.</summary>
public sealed class LossValueTests
{
    private static void Near(double expected, double actual, double tolerance = 1e-6)
        => Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected}, got {actual}");

    [Fact]
    public void MeanSquaredError()
    {
        // p − y = [0, 1, 2, 3]: (0 + 1 + 4 + 9)/4 = 3.5; gradient 2(p − y)/4 = [0, 0.5, 1, 1.5].
        var g = new float[4];
        Near(3.5, new MeanSquaredError().Compute([1, 2, 3, 4], [1, 1, 1, 1], g, 2, 2));
        Assert.Equal([0f, 0.5f, 1f, 1.5f], g);
    }

    [Fact]
    public void MeanAbsoluteError()
    {
        // |p − y| = [0, 1, 2, 3]: 6/4 = 1.5; gradient sign/4 = [0, .25, .25, −.25] (last one below its target).
        var g = new float[4];
        Near(1.5, new MeanAbsoluteError().Compute([1, 2, 3, -2], [1, 1, 1, 1], g, 2, 2));
        Assert.Equal([0f, 0.25f, 0.25f, -0.25f], g);
    }

    [Fact]
    public void MeanSquaredLogarithmicError()
    {
        // log(e − 1 + 1) − log(0 → ε, + 1) = 1 − log(1 + 1e-7) ≈ 1 − 1e-7; squared ≈ 0.9999998.
        var g = new float[1];
        Near(0.9999998, new MeanSquaredLogarithmicError().Compute([MathF.E - 1], [0], g, 1, 1));
        Near(2 * (1 - 1e-7) / MathF.E, g[0]); // 2·d/(p + 1)
    }

    [Fact]
    public void BinaryCrossEntropy()
    {
        // −log 0.8 = 0.22314355 (y = 1) and −log(1 − 0.4) = 0.51082562 (y = 0): mean 0.36698459.
        var g = new float[2];
        Near(0.36698459, new BinaryCrossEntropy().Compute([0.8f, 0.4f], [1, 0], g, 1, 2));
        Near(-1 / 0.8 / 2, g[0]); // −y/p / N
        Near(1 / 0.6 / 2, g[1]);  // (1 − y)/(1 − p) / N
    }

    [Fact]
    public void HingeAndSquaredHinge()
    {
        // Margins 1 − y·p: 1 − 0.3 = 0.7 and 1 − 2 = −1 → 0. Hinge (0.7 + 0)/2 = 0.35; squared (0.49 + 0)/2 = 0.245.
        var g = new float[2];
        Near(0.35, new Hinge().Compute([0.3f, -2f], [1, -1], g, 1, 2));
        Assert.Equal([-0.5f, 0f], g);
        Near(0.245, new SquaredHinge().Compute([0.3f, -2f], [1, -1], g, 1, 2));
        Near(-2 * 0.7 / 2, g[0]);
        Assert.Equal(0f, g[1]);
    }

    [Fact]
    public void CategoricalAndSparseCrossEntropy()
    {
        // Row 1: −log 0.7 = 0.35667494; row 2: −log 0.5 = 0.69314718; mean over the batch 0.52491106.
        float[] p = [0.7f, 0.2f, 0.1f, 0.25f, 0.5f, 0.25f];
        var g = new float[6];
        Near(0.52491106, new CategoricalCrossEntropy().Compute(p, [1, 0, 0, 0, 1, 0], g, 2, 3));
        Near(0.52491106, new SparseCategoricalCrossEntropy().Compute(p, [0, 1], g, 2, 3));
        // Rows sum to 1, so dL/dpᵢ = (−yᵢ/pᵢ + 1)/batch: [(1 − 1/0.7)/2, 1/2, 1/2, ...].
        Near((1 - 1 / 0.7) / 2, g[0]);
        Near(0.5, g[1]);
        Near((1 - 1 / 0.5) / 2, g[4]);
    }

    [Fact]
    public void CategoricalCrossEntropyNormalisesRowsLikeKeras()
    {
        // [1.4, 0.4, 0.2] sums to 2: the same distribution as [0.7, 0.2, 0.1].
        var g = new float[3];
        Near(0.35667494, new CategoricalCrossEntropy().Compute([1.4f, 0.4f, 0.2f], [1, 0, 0], g, 1, 3));
    }

    [Fact]
    public void KullbackLeiblerDivergence()
    {
        // 0.5·log(0.5/0.25) + 0.5·log(0.5/0.75) = 0.5·(0.69314718 − 0.40546511) = 0.14384104, one sample.
        var g = new float[2];
        Near(0.14384104, new KullbackLeiblerDivergence().Compute([0.25f, 0.75f], [0.5f, 0.5f], g, 1, 2));
        Near(-0.5 / 0.25, g[0]); // −y/p
        Near(-0.5 / 0.75, g[1]);
    }

    [Fact]
    public void ClippedProbabilitiesGetZeroGradient()
    {
        var g = new float[2];
        float value = new BinaryCrossEntropy().Compute([0f, 1f], [1, 0], g, 1, 2);
        // Clipped like Keras in float32: p = 0 → ε, p = 1 → the float nearest 1 − ε (1 − 1.19e-7), so the loss is
        // (−log ε − log(1 − (1 − ε)_float))/2 ≈ (16.118 + 15.942)/2.
        double upper = 1 - (double)(1f - 1e-7f);
        Near((-Math.Log(1e-7f) - Math.Log(upper)) / 2, value, 1e-5);
        Assert.Equal([0f, 0f], g);
    }
}
