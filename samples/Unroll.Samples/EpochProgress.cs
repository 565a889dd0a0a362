using System;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Unroll.Samples;

/// <summary>
/// Training progress that stays readable in an 80-column terminal: one line per finished epoch, and below them, on a
/// terminal, a progress bar (Spectre.Console) for the epoch under way. When the output is not a terminal, only the lines.
/// </summary>
public static class EpochProgress
{
    /// <summary>The widest line this prints: a classic terminal's width.</summary>
    public const int Columns = 80;

    /// <summary>
    /// Runs <paramref name="train"/>, handing it the callbacks for <see cref="FitOptions.OnBatch"/> and
    /// <see cref="FitOptions.OnEpoch"/>; <paramref name="console"/> defaults to the process's console.
    /// </summary>
    public static void Run(int epochs, int samples, Action<Action<BatchProgress>, Action<EpochResult>> train, IAnsiConsole? console = null)
    {
        console ??= AnsiConsole.Console;
        if (!console.Profile.Capabilities.Interactive)
        {
            train(_ => { }, result => console.WriteLine(Describe(result, epochs)));
            return;
        }

        console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new ProgressBarColumn { Width = 24 }, new PercentageColumn(), new RemainingTimeColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(context =>
            {
                ProgressTask? task = null;
                var lastDraw = 0L;
                train(progress =>
                {
                    if (task is not null && progress.Samples != progress.SampleCount && Stopwatch.GetElapsedTime(lastDraw).TotalMilliseconds < 100)
                        return;
                    var description = Markup.Escape(Describe(progress));
                    task ??= context.AddTask(description, maxValue: samples);
                    task.Value = progress.Samples;
                    task.Description = description;
                    lastDraw = Stopwatch.GetTimestamp();
                }, result =>
                {
                    task?.StopTask();
                    task = null;
                    console.WriteLine(Describe(result, epochs)); // above the live bar, which the next epoch replaces
                });
            });
    }

    /// <summary>
    /// A finished epoch in at most <see cref="Columns"/> characters, for example
    /// <c>epoch 10/10  loss 0.2417  acc 0.9112  val_loss 0.2803  val_acc 0.8990  13,502/s</c>.
    /// </summary>
    public static string Describe(EpochResult result, int epochs)
    {
        var line = $"epoch {result.Epoch}/{epochs}  {Figures(result.Loss, result.Accuracy, "")}";
        if (result.Validation is { } v) line += "  " + Figures(v.Loss, v.Accuracy, "val_");
        return Fit(line, Rate(result.SamplesPerSecond));
    }

    /// <summary>The epoch under way, short enough to sit beside the bar: <c>3/10  loss 0.3011  acc 0.8893  13,502/s</c>.</summary>
    public static string Describe(BatchProgress progress) =>
        $"{progress.Epoch}/{progress.Epochs}  {Figures(progress.Loss, progress.Accuracy, "")}  {Rate(progress.SamplesPerSecond)}";

    // No accuracy without class labels (the autoencoders).
    private static string Figures(float loss, float accuracy, string prefix) => string.Create(CultureInfo.InvariantCulture,
        $"{prefix}loss {loss:F4}{(float.IsNaN(accuracy) ? "" : $"  {prefix}acc {accuracy:F4}")}");

    private static string Rate(double samplesPerSecond) => string.Create(CultureInfo.InvariantCulture, $"{samplesPerSecond:N0}/s");

    // The rate goes last and is the first thing dropped: an absurd rate or epoch count must not wrap the figures.
    private static string Fit(string line, string rate) => line.Length + 2 + rate.Length <= Columns ? $"{line}  {rate}" : line;
}
