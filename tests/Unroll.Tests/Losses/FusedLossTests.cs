using System;
using System.Linq;
using Xunit;

namespace Unroll.Tests.Losses;

/// <summary>The fused (logit) forms against the unfused forms composed with their activation, and at extreme logits.</summary>
public sealed class FusedLossTests
{
    private const int Batch = 3, Size = 4;

    private static float[] Logits(int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, Batch * Size).Select(_ => (float)(4 * r.NextDouble() - 2)).ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CategoricalFusedMatchesSoftmaxThenLoss(bool sparse)
    {
        Loss loss = sparse ? new SparseCategoricalCrossEntropy() : new CategoricalCrossEntropy();
        Assert.Equal(Activation.Softmax, loss.FusesWith);
        var z = Logits(7);
        float[] target = sparse ? [2, 0, 3] : [0, 0, 1, 0, 0.2f, 0.3f, 0.1f, 0.4f, 0, 0, 0, 1];

        var s = new double[z.Length];
        for (int b = 0; b < Batch; b++)
        {
            double sum = Enumerable.Range(0, Size).Sum(j => Math.Exp(z[b * Size + j]));
            for (int j = 0; j < Size; j++) s[b * Size + j] = Math.Exp(z[b * Size + j]) / sum;
        }
        var probabilities = s.Select(v => (float)v).ToArray();
        var dLdp = new float[z.Length];
        var dLdz = new float[z.Length];
        float unfused = loss.Compute(probabilities, target, dLdp, Batch, Size);
        float fused = loss.ComputeFromLogits(z, target, dLdz, Batch, Size);

        // Float softmax outputs carry ~1e-7 relative error, so the two agree to ~1e-6.
        Assert.True(Math.Abs(unfused - fused) <= 1e-5 * Math.Abs(fused), $"unfused {unfused}, fused {fused}");
        for (int b = 0; b < Batch; b++)
        {
            // Chain rule through softmax: dL/dz_k = s_k·(dL/dp_k − Σᵢ dL/dpᵢ·sᵢ).
            double dot = Enumerable.Range(0, Size).Sum(i => dLdp[b * Size + i] * s[b * Size + i]);
            for (int k = 0; k < Size; k++)
            {
                int o = b * Size + k;
                double expected = s[o] * (dLdp[o] - dot);
                Assert.True(Math.Abs(dLdz[o] - expected) <= 1e-5, $"dL/dz[{o}] fused {dLdz[o]}, chain rule {expected}");
            }
        }
    }

    [Fact]
    public void BinaryFusedMatchesSigmoidThenLoss()
    {
        var loss = new BinaryCrossEntropy();
        Assert.Equal(Activation.Sigmoid, loss.FusesWith);
        var z = Logits(11);
        var r = new Random(3);
        var target = z.Select(_ => (float)r.NextDouble()).ToArray();
        var s = z.Select(v => 1 / (1 + Math.Exp(-v))).ToArray();
        var dLdp = new float[z.Length];
        var dLdz = new float[z.Length];
        float unfused = loss.Compute(s.Select(v => (float)v).ToArray(), target, dLdp, Batch, Size);
        float fused = loss.ComputeFromLogits(z, target, dLdz, Batch, Size);
        Assert.True(Math.Abs(unfused - fused) <= 1e-5 * Math.Abs(fused), $"unfused {unfused}, fused {fused}");
        for (int i = 0; i < z.Length; i++)
        {
            double expected = dLdp[i] * s[i] * (1 - s[i]); // σ' = σ(1 − σ)
            Assert.True(Math.Abs(dLdz[i] - expected) <= 1e-6, $"dL/dz[{i}] fused {dLdz[i]}, chain rule {expected}");
        }
    }

    [Fact]
    public void CategoricalFusedIsExactAtExtremeLogits()
    {
        // Naively e^1000 overflows float and double (softmax → NaN); the max-shifted log-sum-exp does not.
        // Row 1: lse = 1000 + log(1 + e^−1000 + e^−995 + …) = 1000 to double precision; target class 1 has z = −1000 → loss 2000.
        // Row 2: target class 0 holds the max → loss ≈ 0. Mean 1000.
        float[] z = [1000, -1000, 0, 5, 1000, -1000, 0, 5];
        float[] y = [0, 1, 0, 0, 1, 0, 0, 0];
        var g = new float[8];
        float value = new CategoricalCrossEntropy().ComputeFromLogits(z, y, g, 2, 4);
        Assert.Equal(1000f, value);
        Assert.All(g, v => Assert.True(float.IsFinite(v)));
        // softmax ≈ [1, 0, 0, 0]; gradient (s − y)/batch.
        Assert.Equal([0.5f, -0.5f, 0f, 0f, 0f, 0f, 0f, 0f], g);

        float sparse = new SparseCategoricalCrossEntropy().ComputeFromLogits(z, [1, 0], g, 2, 4);
        Assert.Equal(1000f, sparse);
        Assert.Equal([0.5f, -0.5f, 0f, 0f, 0f, 0f, 0f, 0f], g);
    }

    [Fact]
    public void BinaryFusedIsExactAtExtremeLogits()
    {
        // max(z, 0) − z·y + log(1 + e^−|z|): z = 1000, y = 1 → 0; z = −1000, y = 0 → 0; z = 1000, y = 0 → 1000;
        // z = −1000, y = 1 → 1000. Mean 500. Gradient (σ(z) − y)/4 = [0, 0, 1/4, −1/4].
        float[] z = [1000, -1000, 1000, -1000];
        var g = new float[4];
        float value = new BinaryCrossEntropy().ComputeFromLogits(z, [1, 0, 0, 1], g, 1, 4);
        Assert.Equal(500f, value);
        Assert.Equal([0f, 0f, 0.25f, -0.25f], g);
    }

    [Fact]
    public void UnfusedLossHasNoLogitForm()
    {
        var ex = Assert.Throws<NotSupportedException>(() => new MeanSquaredError().ComputeFromLogits([1], [1], new float[1], 1, 1));
        Assert.Contains("mean_squared_error", ex.Message);
        Assert.Null(new MeanSquaredError().FusesWith);
    }
}
