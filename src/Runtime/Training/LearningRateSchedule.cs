using System;

namespace Unroll;

/// <summary>
/// How the learning rate changes over a <see cref="Trainer{TNetwork}.Fit"/> run, step by step. The optimizer's own
/// <see cref="Optimizer.LearningRate"/> is the base rate; it is restored when the run ends.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The rate for optimizer step <paramref name="step"/> (from 0) of <paramref name="totalSteps"/>.</summary>
    public abstract float Rate(float baseRate, int step, int totalSteps);

    /// <summary>The base rate throughout.</summary>
    public static LearningRateSchedule Constant { get; } = new ConstantSchedule();

    /// <summary>
    /// Cosine annealing (Loshchilov and Hutter, 2017, without restarts): from the base rate down to
    /// <paramref name="finalFraction"/> of it along half a cosine over the whole run.
    /// </summary>
    public static LearningRateSchedule Cosine(float finalFraction = 0f)
    {
        if (!(finalFraction is >= 0f and <= 1f))
            throw new ArgumentOutOfRangeException(nameof(finalFraction), finalFraction, "The final fraction of the base rate must be in [0, 1].");
        return new CosineSchedule(finalFraction);
    }

    private sealed class ConstantSchedule : LearningRateSchedule
    {
        public override float Rate(float baseRate, int step, int totalSteps) => baseRate;
    }

    private sealed class CosineSchedule(float finalFraction) : LearningRateSchedule
    {
        public override float Rate(float baseRate, int step, int totalSteps)
        {
            var progress = totalSteps <= 1 ? 0.0 : (double)step / (totalSteps - 1);
            var factor = finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.Cos(Math.PI * progress));
            return (float)(baseRate * factor);
        }
    }
}
