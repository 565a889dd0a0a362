using System;

namespace Unroll;

/// <summary>
/// How the learning rate changes over a <see cref="Trainer{TNetwork}.Fit"/> run, step by step. The optimizer's own
/// <see cref="Optimizer.LearningRate"/> is the base rate; it is restored when the run ends. Steps count optimizer steps
/// from 0 over the whole run (an epoch has ⌈samples / batch size⌉ of them). A schedule that reacts to progress
/// (<see cref="ReduceOnPlateau"/>) keeps state for one run at a time: give each trainer its own.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The rate for optimizer step <paramref name="step"/> (from 0) of <paramref name="totalSteps"/>.</summary>
    public abstract float Rate(float baseRate, int step, int totalSteps);

    /// <summary>A run starts: a schedule with state forgets the last run's.</summary>
    protected internal virtual void Start() { }

    /// <summary>An epoch ended; <paramref name="improved"/> says whether it bettered the run's monitored figure (<see cref="FitOptions.Monitor"/>, by <see cref="FitOptions.MinDelta"/>).</summary>
    protected internal virtual void EpochEnded(bool improved) { }

    /// <summary>
    /// Step decay (PyTorch's <c>StepLR</c>, counted in optimizer steps): the base rate times
    /// <paramref name="factor"/>^⌊step / <paramref name="everySteps"/>⌋.
    /// </summary>
    public static LearningRateSchedule StepDecay(int everySteps, float factor = 0.1f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(everySteps, 1);
        RequireFactor(factor, nameof(factor));
        return new StepSchedule(everySteps, factor);
    }

    /// <summary>
    /// Linear warm-up: the rate climbs from base / <paramref name="steps"/> to the base rate over the first
    /// <paramref name="steps"/> steps, then follows <paramref name="then"/> (default constant) over the steps left.
    /// </summary>
    public static LearningRateSchedule Warmup(int steps, LearningRateSchedule? then = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        return new WarmupSchedule(steps, then ?? Constant);
    }

    /// <summary>
    /// Keras's <c>ReduceLROnPlateau</c>: after <paramref name="patience"/> epochs in a row without improvement of the
    /// monitored figure, the rate is multiplied by <paramref name="factor"/>, never below <paramref name="minimumRate"/>.
    /// </summary>
    public static LearningRateSchedule ReduceOnPlateau(float factor = 0.1f, int patience = 10, float minimumRate = 0f)
    {
        RequireFactor(factor, nameof(factor));
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        if (!(minimumRate >= 0) || !float.IsFinite(minimumRate))
            throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, "The minimum rate must be a finite number ≥ 0.");
        return new PlateauSchedule(factor, patience, minimumRate);
    }

    private static void RequireFactor(float factor, string name)
    {
        if (!(factor is > 0f and < 1f))
            throw new ArgumentOutOfRangeException(name, factor, "The factor that lowers the rate must be in (0, 1).");
    }

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

    private sealed class StepSchedule(int everySteps, float factor) : LearningRateSchedule
    {
        public override float Rate(float baseRate, int step, int totalSteps) => (float)(baseRate * Math.Pow(factor, step / everySteps));
    }

    private sealed class WarmupSchedule(int steps, LearningRateSchedule then) : LearningRateSchedule
    {
        public override float Rate(float baseRate, int step, int totalSteps)
            => step < steps ? (float)((double)baseRate * (step + 1) / steps) : then.Rate(baseRate, step - steps, Math.Max(totalSteps - steps, 1));

        protected internal override void Start() => then.Start();

        protected internal override void EpochEnded(bool improved) => then.EpochEnded(improved);
    }

    private sealed class PlateauSchedule(float factor, int patience, float minimumRate) : LearningRateSchedule
    {
        private int _reductions;
        private int _epochsWithout;

        public override float Rate(float baseRate, int step, int totalSteps)
            => Math.Max((float)(baseRate * Math.Pow(factor, _reductions)), Math.Min(minimumRate, baseRate));

        protected internal override void Start() => (_reductions, _epochsWithout) = (0, 0);

        protected internal override void EpochEnded(bool improved)
        {
            _epochsWithout = improved ? 0 : _epochsWithout + 1;
            if (_epochsWithout < patience) return;
            _reductions++;
            _epochsWithout = 0;
        }
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
