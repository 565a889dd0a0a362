using System;
using System.Diagnostics;
using Spectre.Console;

namespace Unroll.Samples;

/// <summary>
/// One progress bar per epoch (Spectre.Console) showing loss, accuracy and samples/s as training runs.
/// When the output is not a terminal, each epoch is printed as one line when it ends.
/// </summary>
public static class EpochProgress
{
    public static void Run(int epochs, int samples, Action<Action<BatchProgress>, Action<EpochResult>> train)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            train(_ => { }, result => Console.WriteLine(Describe(result.Epoch, epochs, result.Loss, result.Accuracy, result.SamplesPerSecond) + Validation(result)));
            return;
        }

        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(context =>
            {
                ProgressTask? task = null;
                var lastDraw = 0L;
                train(progress =>
                {
                    if (task is null || progress.Samples == progress.SampleCount || Stopwatch.GetElapsedTime(lastDraw).TotalMilliseconds > 100)
                    {
                        var description = Markup.Escape(Describe(progress.Epoch, epochs, progress.Loss, progress.Accuracy, progress.SamplesPerSecond));
                        task ??= context.AddTask(description, maxValue: samples);
                        task.Value = progress.Samples;
                        task.Description = description;
                        lastDraw = Stopwatch.GetTimestamp();
                    }
                }, result =>
                {
                    if (task is not null && result.Validation is not null) task.Description += Markup.Escape(Validation(result));
                    task?.StopTask();
                    task = null;
                });
            });
    }

    private static string Validation(EpochResult result) => result.Validation is { } v
        ? $"  val_loss {v.Loss:F4}{(float.IsNaN(v.Accuracy) ? "" : $"  val_accuracy {v.Accuracy:F4}")}"
        : "";

    private static string Describe(int epoch, int epochs, float loss, float accuracy, double samplesPerSecond) =>
        $"epoch {epoch}/{epochs}  loss {loss:F4}  {(float.IsNaN(accuracy) ? "" : $"accuracy {accuracy:F4}  ")}{samplesPerSecond,8:N0} samples/s"; // no accuracy without labels (autoencoders)
}
