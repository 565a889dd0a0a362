using System;
using Xunit;
using static Unroll.Tests.Optimizers.OptimizerTestKit;

namespace Unroll.Tests.Optimizers;

/// <summary>
/// Two or three steps of each optimizer on one value, with given gradients, against numbers worked out by hand from
/// PyTorch's torch.optim formulas (the comment under each test shows the arithmetic). Tolerance 1e-6: float rounding
/// of values near 1 is ~1e-7; any wrong rule is off in the second or third digit.
/// </summary>
public sealed class OptimizerTrajectoryTests
{
    [Fact]
    public void Sgd()
    {
        // p ← p − lr·g, lr = 0.1: 1 − 0.05 = 0.95; 0.95 + 0.1 = 1.05; 1.05 − 0.2 = 0.85.
        var ps = new[] { Make("w", 1f) };
        var o = new Sgd(0.1f);
        Near(0.95, StepWith(o, ps, 0.5f));
        Near(1.05, StepWith(o, ps, -1f));
        Near(0.85, StepWith(o, ps, 2f));
        Assert.Equal(3, o.Steps);
    }

    [Fact]
    public void Momentum()
    {
        // v ← 0.9v + g, p ← p − 0.1v. g = 1: v = 1, p = 0.9. g = 1: v = 1.9, p = 0.9 − 0.19 = 0.71.
        // g = −2: v = 1.71 − 2 = −0.29, p = 0.71 + 0.029 = 0.739.
        var ps = new[] { Make("w", 1f) };
        var o = new Momentum(0.1f, 0.9f);
        Near(0.9, StepWith(o, ps, 1f));
        Near(0.71, StepWith(o, ps, 1f));
        Near(0.739, StepWith(o, ps, -2f));
    }

    [Fact]
    public void Nesterov()
    {
        // v ← 0.9v + g, p ← p − 0.1(g + 0.9v). g = 1: v = 1, p = 1 − 0.1·1.9 = 0.81.
        // g = 1: v = 1.9, p = 0.81 − 0.1·(1 + 1.71) = 0.539. g = −2: v = −0.29, p = 0.539 − 0.1·(−2 − 0.261) = 0.7651.
        var ps = new[] { Make("w", 1f) };
        var o = new Nesterov(0.1f, 0.9f);
        Near(0.81, StepWith(o, ps, 1f));
        Near(0.539, StepWith(o, ps, 1f));
        Near(0.7651, StepWith(o, ps, -2f));
    }

    [Fact]
    public void Adagrad()
    {
        // s ← s + g², p ← p − 0.1·g/(√s + 1e-10). g = 3: s = 9, p = 1 − 0.1·3/3 = 0.9. g = 4: s = 25, p = 0.9 − 0.1·4/5 = 0.82.
        var ps = new[] { Make("w", 1f) };
        var o = new Adagrad(0.1f);
        Near(0.9, StepWith(o, ps, 3f));
        Near(0.82, StepWith(o, ps, 4f));

        // initial_accumulator_value = 16: s = 16 + 9 = 25, p = 1 − 0.1·3/5 = 0.94.
        var qs = new[] { Make("w", 1f) };
        Near(0.94, StepWith(new Adagrad(0.1f, initialAccumulator: 16f), qs, 3f));
    }

    [Fact]
    public void Adadelta()
    {
        // lr = 1, ρ = 0.5, ε = 1 (round numbers). g = 1: s = 0.5·0 + 0.5·1 = 0.5; Δ = √(0 + 1)/√(0.5 + 1)·1 = 0.81649658;
        // a = 0.5·Δ² = 1/3; p = 1 − 0.81649658 = 0.18350342.
        // g = 3: s = 0.25 + 4.5 = 4.75; Δ = √(1/3 + 1)/√(5.75)·3 = 1.44463024; p = 0.18350342 − 1.44463024 = −1.26112682.
        var ps = new[] { Make("w", 1f) };
        var o = new Adadelta(1f, 0.5f, 1f);
        Near(0.18350342, StepWith(o, ps, 1f));
        Near(-1.26112682, StepWith(o, ps, 3f));
    }

    [Fact]
    public void RmsProp()
    {
        // lr = 0.1, α = 0.5, ε = 1e-8 (negligible here). g = 1: s = 0.5, p = 1 − 0.1/√0.5 = 0.85857865.
        // g = 2: s = 0.25 + 2 = 2.25, p = 0.85857865 − 0.1·2/1.5 = 0.72524531.
        var ps = new[] { Make("w", 1f) };
        var o = new RmsProp(0.1f, 0.5f);
        Near(0.85857865, StepWith(o, ps, 1f));
        Near(0.72524531, StepWith(o, ps, 2f));
    }

    [Fact]
    public void Adam()
    {
        // lr = 0.1, β = (0.9, 0.999), ε = 1e-8; p ← p − (lr/(1 − β₁ᵗ))·m/(√v/√(1 − β₂ᵗ) + ε).
        // t = 1, g = 1: m = 0.1, v = 0.001; bias-corrected m̂ = 1, √v̂ = 1 → p = 1 − 0.1·1/(1 + 1e-8) = 0.9.
        // t = 2, g = 2: m = 0.09 + 0.2 = 0.29, v = 0.000999 + 0.004 = 0.004999; 1 − β₁² = 0.19, 1 − β₂² = 0.001999;
        //   step = 0.1/0.19 = 0.52631579, denominator √0.004999/√0.001999 = 1.58137611 → p = 0.9 − 0.52631579·0.29/1.58137611 = 0.80348180.
        // t = 3, g = −1: m = 0.261 − 0.1 = 0.161, v = 0.004994001 + 0.001 = 0.005994001; 1 − β₁³ = 0.271, 1 − β₂³ = 0.002997001;
        //   step = 0.36900369, denominator √0.005994001/√0.002997001 = 1.41421345 → p = 0.80348180 − 0.36900369·0.161/1.41421345 = 0.76147287.
        var ps = new[] { Make("w", 1f) };
        var o = new Adam(0.1f);
        Near(0.9, StepWith(o, ps, 1f));
        Near(0.80348180, StepWith(o, ps, 2f));
        Near(0.76147287, StepWith(o, ps, -1f));
    }

    [Fact]
    public void PyTorchDefaults()
    {
        Assert.Equal(0.01f, new Sgd().LearningRate);
        var m = new Momentum();
        Assert.Equal((0.01f, 0.9f), (m.LearningRate, m.MomentumFactor));
        var n = new Nesterov();
        Assert.Equal((0.01f, 0.9f), (n.LearningRate, n.MomentumFactor));
        var ag = new Adagrad();
        Assert.Equal((0.01f, 1e-10f, 0f), (ag.LearningRate, ag.Epsilon, ag.InitialAccumulator));
        var ad = new Adadelta();
        Assert.Equal((1f, 0.9f, 1e-6f), (ad.LearningRate, ad.Rho, ad.Epsilon));
        var r = new RmsProp();
        Assert.Equal((0.01f, 0.99f, 1e-8f), (r.LearningRate, r.Alpha, r.Epsilon));
        var a = new Adam();
        Assert.Equal((0.001f, 0.9f, 0.999f, 1e-8f), (a.LearningRate, a.Beta1, a.Beta2, a.Epsilon));
    }

    [Fact]
    public void AdamW_decouples_weight_decay()
    {
        // As Adam above (lr = 0.1), with λ = 0.1 shrinking p by 1 − lr·λ = 0.99 before each step.
        // t = 1, g = 1: p = 0.99, then − 0.1 → 0.89. t = 2, g = 2: p = 0.8811, then − 0.52631579·0.29/1.58137611 → 0.78458180.
        var ps = new[] { Make("w", 1f) };
        var o = new AdamW(0.1f, weightDecay: 0.1f);
        Near(0.89, StepWith(o, ps, 1f));
        Near(0.78458180, StepWith(o, ps, 2f));
        Assert.Equal((0.001f, 0.01f, "adamw"), (new AdamW().LearningRate, new AdamW().WeightDecay, o.Name));
    }

    [Fact]
    public void Weight_decay_adds_to_the_gradient_elsewhere()
    {
        // PyTorch's SGD(lr = 0.1, weight_decay = 0.5): g' = g + 0.5·p. p = 1, g = 0.5: g' = 1, p = 0.9.
        // g = −1: g' = −1 + 0.45 = −0.55, p = 0.955.
        var ps = new[] { Make("w", 1f) };
        var o = new Sgd(0.1f) { WeightDecay = 0.5f };
        Near(0.9, StepWith(o, ps, 0.5f));
        Near(0.955, StepWith(o, ps, -1f));
    }

    [Fact]
    public void Gradients_are_clipped_by_their_global_norm()
    {
        // Gradients 3 and 4 have norm 5; clipped to 1 each is scaled by 1/(5 + 1e-6): SGD(lr = 1) moves 0 to −0.6 and −0.8.
        var ps = new[] { Make("a", 0f), Make("b", 0f) };
        ps[0].Gradient.Span[0] = 3f;
        ps[1].Gradient.Span[0] = 4f;
        var o = new Sgd(1f) { MaxGradientNorm = 1f };
        o.Step(ps);
        Near(-0.59999988, ps[0].Value.Span[0], 1e-7);
        Near(-0.79999984, ps[1].Value.Span[0], 1e-7);
        Assert.Equal(5f, o.GradientNorm);

        // Under the maximum nothing is scaled; a frozen parameter neither moves nor counts.
        var qs = new[] { Make("a", 0f), Make("b", 0f) };
        qs[0].Gradient.Span[0] = 3f;
        qs[1].Gradient.Span[0] = 4f;
        qs[1].IsFrozen = true;
        var under = new Sgd(1f) { MaxGradientNorm = 3.5f };
        under.Step(qs);
        Assert.Equal((-3f, 0f, 3f), (qs[0].Value.Span[0], qs[1].Value.Span[0], under.GradientNorm));
        Assert.True(float.IsNaN(new Sgd().GradientNorm));
    }

    [Fact]
    public void Bad_weight_decay_and_norms_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd { WeightDecay = -0.1f });
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(weightDecay: float.NaN));
        Assert.Contains("maxGradientNorm", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam { MaxGradientNorm = 0f }).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam { MaxGradientNorm = float.PositiveInfinity });
    }
}
