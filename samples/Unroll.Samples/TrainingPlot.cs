using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ScottPlot;

namespace Unroll.Samples;

/// <summary>
/// A PNG of training curves (ScottPlot): loss per epoch on the left and, for classifiers, accuracy on the right, each for
/// the training images and, where the run held some out, the validation images.
/// </summary>
public static class TrainingPlot
{
    public const int Width = 1000;
    public const int Height = 420;

    /// <summary>The shipped typeface (next to the program), registered on first use and drawn by every plot.</summary>
    public static readonly string FontFile = Path.Combine(AppContext.BaseDirectory, "Fonts", "DejaVuSans.ttf");

    private const string FontName = "DejaVu Sans";
    private static readonly Lazy<string> Font = new(() =>
    {
        if (!File.Exists(FontFile))
            throw new FileNotFoundException($"The plots' font is missing: {FontFile} (it is copied next to the sample when it builds).", FontFile);
        Fonts.AddFontFile(FontName, FontFile);
        return FontName;
    });

    /// <summary>Writes the curves of <paramref name="epochs"/> to <paramref name="path"/>, replacing it only once the picture is whole.</summary>
    /// <exception cref="ArgumentException">No epochs to draw.</exception>
    public static void Save(string path, IReadOnlyList<EpochResult> epochs, string title)
    {
        if (epochs.Count == 0) throw new ArgumentException("No finished epoch to plot.", nameof(epochs));
        var classifies = !float.IsNaN(epochs[0].Accuracy); // autoencoders have a loss only
        var multiplot = new Multiplot();
        multiplot.AddPlots(classifies ? 2 : 1);
        Panel(multiplot.GetPlot(0), $"{title}: loss", "loss", epochs, e => e.Loss, e => e.Validation?.Loss);
        if (classifies)
            Panel(multiplot.GetPlot(1), $"{title}: accuracy", "accuracy", epochs, e => e.Accuracy, e => e.Validation?.Accuracy);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();

        var partial = CheckWritable(path);
        try
        {
            multiplot.SavePng(partial, Width, Height);
            File.Move(partial, Path.GetFullPath(path), overwrite: true);
        }
        finally
        {
            File.Delete(partial); // gone already unless the picture failed
        }
    }

    /// <summary>
    /// Creates <paramref name="path"/>'s folder and checks that a file can be written beside it, before any training, so
    /// that a bad <c>--plot</c> is reported at once and not after the last epoch; returns the scratch file's path.
    /// </summary>
    /// <exception cref="IOException">The folder cannot be created or written, naming it.</exception>
    public static string CheckWritable(string path)
    {
        var partial = Path.GetFullPath(path) + ".partial";
        try
        {
            if (Path.GetDirectoryName(partial) is { Length: > 0 } directory) Directory.CreateDirectory(directory);
            using (File.Create(partial)) { }
            File.Delete(partial);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"Cannot write the plot {path}: {e.Message}", e);
        }
        return partial;
    }

    private static void Panel(Plot plot, string title, string quantity, IReadOnlyList<EpochResult> epochs,
        Func<EpochResult, float> training, Func<EpochResult, float?> validation)
    {
        plot.Font.Set(Font.Value);
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(quantity);
        double[] xs = epochs.Select(e => (double)e.Epoch).ToArray();
        Line(plot, xs, epochs.Select(e => (double)training(e)).ToArray(), "training", Colors.C0);
        if (epochs.All(e => validation(e) is not null))
            Line(plot, xs, epochs.Select(e => (double)validation(e)!.Value).ToArray(), "validation", Colors.C1);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Legend.Alignment = quantity == "loss" ? Alignment.UpperRight : Alignment.LowerRight;
        plot.ShowLegend();
    }

    private static void Line(Plot plot, double[] xs, double[] ys, string label, Color color)
    {
        var line = plot.Add.Scatter(xs, ys, color);
        line.LegendText = label;
        line.LineWidth = 2;
        line.MarkerSize = 6;
    }
}
