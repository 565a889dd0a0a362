using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Unroll.Tests.Losses;

/// <summary>
/// A small batch for one loss: predictions (or logits, when <see cref="FromLogits"/>) and targets of the kind the loss
/// expects. Logits go to <see cref="Loss.ComputeFromLogits"/>, or to <see cref="Loss.Compute"/> when the loss itself was
/// created with <c>fromLogits: true</c>.
/// </summary>
public sealed record LossCase(string Label, Loss Loss, bool FromLogits, int Batch, int Size, float[] Input, float[] Target)
{
    public override string ToString() => Label;
}

internal static class LossCases
{
    public const int Batch = 3, Size = 4;

    /// <summary>Inputs kept away from every kink and clip (|p − y| ≥ 0.05, probabilities in [0.05, 0.95], hinge margins away from 0).</summary>
    public static IEnumerable<LossCase> All()
    {
        var r = new Random(1234);
        float[] Uniform(int n, double lo, double hi) => Enumerable.Range(0, n).Select(_ => (float)(lo + (hi - lo) * r.NextDouble())).ToArray();
        float[] Normal(int n, double std) => Enumerable.Range(0, n).Select(_ => (float)(std * Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()))).ToArray();
        float[] OneHot(params int[] classes) { var t = new float[classes.Length * Size]; for (int b = 0; b < classes.Length; b++) t[b * Size + classes[b]] = 1; return t; }
        float[] Distributions() { var t = Uniform(Batch * Size, 0.1, 1); for (int b = 0; b < Batch; b++) { float s = t.Skip(b * Size).Take(Size).Sum(); for (int j = 0; j < Size; j++) t[b * Size + j] /= s; } return t; }
        int n = Batch * Size;

        var regression = Uniform(n, 0.1, 2);
        var regressionTarget = regression.Select((v, i) => v + (i % 2 == 0 ? 1 : -1) * (0.05f + 0.5f * (i % 3))).ToArray();
        yield return new("mse", new MeanSquaredError(), false, Batch, Size, regression, regressionTarget);
        yield return new("mae", new MeanAbsoluteError(), false, Batch, Size, regression, regressionTarget);
        yield return new("msle", new MeanSquaredLogarithmicError(), false, Batch, Size, regression, regressionTarget.Select(Math.Abs).ToArray());

        var probabilities = Uniform(n, 0.05, 0.95);
        yield return new("bce hard targets", new BinaryCrossEntropy(), false, Batch, Size, probabilities, Enumerable.Range(0, n).Select(i => (float)(i % 2)).ToArray());
        yield return new("bce soft targets", new BinaryCrossEntropy(), false, Batch, Size, probabilities, Uniform(n, 0, 1));
        yield return new("bce logits", new BinaryCrossEntropy(), true, Batch, Size, Normal(n, 2), Uniform(n, 0, 1));
        yield return new("bce fromLogits: true", new BinaryCrossEntropy(fromLogits: true), true, Batch, Size, Normal(n, 2), Uniform(n, 0, 1));

        // Margins 1 − y·p fall in ±[0.2, 1.8]: some violated, some not, none at the kink.
        var scores = Enumerable.Range(0, n).Select(i => (float)((i % 2 == 0 ? 1 : -1) * (0.2 + 0.15 * i))).ToArray();
        var signs = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? 1f : -1f).ToArray();
        yield return new("hinge ±1", new Hinge(), false, Batch, Size, scores, signs);
        yield return new("hinge 0/1", new Hinge(), false, Batch, Size, scores, signs.Select(s => (s + 1) / 2).ToArray());
        yield return new("squared hinge ±1", new SquaredHinge(), false, Batch, Size, scores, signs);
        yield return new("squared hinge 0/1", new SquaredHinge(), false, Batch, Size, scores, signs.Select(s => (s + 1) / 2).ToArray());

        var softmaxLike = Distributions();
        var unnormalised = Uniform(n, 0.05, 0.95); // Keras divides each row by its sum first; the gradient must include that.
        yield return new("cce one-hot", new CategoricalCrossEntropy(), false, Batch, Size, softmaxLike, OneHot(2, 0, 3));
        yield return new("cce soft targets, unnormalised rows", new CategoricalCrossEntropy(), false, Batch, Size, unnormalised, Distributions());
        yield return new("cce logits one-hot", new CategoricalCrossEntropy(), true, Batch, Size, Normal(n, 2), OneHot(1, 3, 0));
        yield return new("cce logits soft", new CategoricalCrossEntropy(), true, Batch, Size, Normal(n, 2), Distributions());
        yield return new("cce fromLogits: true", new CategoricalCrossEntropy(fromLogits: true), true, Batch, Size, Normal(n, 2), Distributions());
        yield return new("sparse cce", new SparseCategoricalCrossEntropy(), false, Batch, Size, unnormalised, [2, 0, 3]);
        yield return new("sparse cce logits", new SparseCategoricalCrossEntropy(), true, Batch, Size, Normal(n, 2), [1, 3, 0]);
        yield return new("sparse cce fromLogits: true", new SparseCategoricalCrossEntropy(fromLogits: true), true, Batch, Size, Normal(n, 2), [2, 3, 1]);
        yield return new("kl", new KullbackLeiblerDivergence(), false, Batch, Size, Distributions(), Distributions());
    }

    public static TheoryData<LossCase> Theory()
    {
        var data = new TheoryData<LossCase>();
        foreach (var c in All()) data.Add(c);
        return data;
    }

    public static float Run(LossCase c, float[] gradient) => c.FromLogits && !c.Loss.FromLogits
        ? c.Loss.ComputeFromLogits(c.Input, c.Target, gradient, c.Batch, c.Size)
        : c.Loss.Compute(c.Input, c.Target, gradient, c.Batch, c.Size);
}
