using System;
using System.IO;
using System.Text.RegularExpressions;
using Spectre.Console;
using Unroll.Samples;
using Xunit;

namespace Unroll.Tests.Samples;

/// <summary>The sample's progress output stays within 80 columns, on a terminal and in a log.</summary>
public sealed class EpochProgressTests
{
    private static EpochResult Epoch(int epoch, float loss, float accuracy, Evaluation? validation, double rate = 13_502) =>
        new(epoch, loss, accuracy, rate, TimeSpan.FromSeconds(4), validation, 0.001f);

    [Fact]
    public void An_epoch_line_shows_every_figure()
    {
        var line = EpochProgress.Describe(Epoch(10, 0.24171f, 0.91123f, new Evaluation(0.28034f, 0.899f, 6000)), 10);
        Assert.Equal("epoch 10/10  loss 0.2417  acc 0.9112  val_loss 0.2803  val_acc 0.8990  13,502/s", line);
        Assert.Equal("epoch 2/5  loss 0.0123  123/s", EpochProgress.Describe(Epoch(2, 0.0123f, float.NaN, null, 123), 5));
    }

    [Theory]
    [InlineData(99, 12.3456f, 1e6)]
    [InlineData(1000, 123.456f, 1e9)]
    [InlineData(100_000, float.NaN, double.PositiveInfinity)]
    public void Epoch_lines_fit_80_columns_even_with_wide_figures(int epochs, float loss, double rate)
    {
        var line = EpochProgress.Describe(Epoch(epochs, loss, 0.5f, new Evaluation(loss, 0.5f, 10), rate), epochs);
        Assert.True(line.Length <= EpochProgress.Columns, line);
        Assert.StartsWith($"epoch {epochs}/{epochs}  loss ", line);
    }

    [Fact]
    public void Without_a_terminal_each_epoch_is_one_line()
    {
        var (console, output) = Console(interactive: false);
        EpochProgress.Run(2, 100, (onBatch, onEpoch) => Train(2, onBatch, onEpoch), console);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["epoch 1/2  loss 0.5000  acc 0.5000  val_loss 0.6000  val_acc 0.4000  1,000/s",
                      "epoch 2/2  loss 0.2500  acc 0.7500  val_loss 0.3000  val_acc 0.7000  1,000/s"], lines);
    }

    [Fact]
    public void On_an_80_column_terminal_no_line_is_wider()
    {
        var (console, output) = Console(interactive: true);
        EpochProgress.Run(3, 100, (onBatch, onEpoch) => Train(3, onBatch, onEpoch), console);
        // Without its escape sequences (cursor moves, colours) every drawn line must fit.
        var text = Regex.Replace(output.ToString(), @"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "");
        // A carriage return starts the line again from the left (the live bar is redrawn that way): each piece is a line.
        var lines = text.Split('\n', '\r');
        Assert.Contains(lines, l => l.StartsWith("epoch 3/3  loss ", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.True(l.Length <= EpochProgress.Columns, $"{l.Length} columns: '{l}'"));
    }

    private static void Train(int epochs, Action<BatchProgress> onBatch, Action<EpochResult> onEpoch)
    {
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            for (var samples = 10; samples <= 100; samples += 10)
                onBatch(new BatchProgress(epoch, epochs, samples, 100, 1f / (1 << epoch), 1 - 1f / (1 << epoch), 123_456));
            onEpoch(Epoch(epoch, 1f / (1 << epoch), 1 - 1f / (1 << epoch), new Evaluation(1.2f / (1 << epoch), 1 - 1.2f / (1 << epoch), 10), 1000));
        }
    }

    private static (IAnsiConsole Console, StringWriter Output) Console(bool interactive)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = interactive ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = EpochProgress.Columns;
        return (console, output);
    }
}
