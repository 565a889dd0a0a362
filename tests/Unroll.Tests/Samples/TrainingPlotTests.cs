using System;
using System.IO;
using SkiaSharp;
using Unroll.Samples;
using Xunit;

namespace Unroll.Tests.Samples;

/// <summary>The sample's <c>--plot</c> picture: its size, its text (which vanishes when ScottPlot finds no font), its panels.</summary>
public sealed class TrainingPlotTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("unroll-plot-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static EpochResult Epoch(int epoch, float loss, float accuracy, Evaluation? validation = null) =>
        new(epoch, loss, accuracy, 1000, TimeSpan.FromSeconds(1), validation, 0.001f);

    private static readonly EpochResult[] Classifier =
    [
        Epoch(1, 0.9f, 0.70f, new Evaluation(0.8f, 0.72f, 100)),
        Epoch(2, 0.6f, 0.80f, new Evaluation(0.65f, 0.78f, 100)),
        Epoch(3, 0.5f, 0.84f, new Evaluation(0.6f, 0.80f, 100)),
    ];

    [Fact]
    public void The_plot_is_a_png_with_both_panels_and_their_text()
    {
        var path = Path.Combine(_folder, "nested", "curves.png"); // a missing folder is created
        TrainingPlot.Save(path, Classifier, "LeNet5");

        using var image = SKBitmap.Decode(path);
        Assert.NotNull(image);
        Assert.Equal((TrainingPlot.Width, TrainingPlot.Height), (image.Width, image.Height));
        // Titles sit in the top band of each half: dark pixels there are text, so the font was found and used.
        Assert.True(DarkPixels(image, 0, TrainingPlot.Width / 2, 0, 30) > 50, "no title text on the left: the font did not load");
        Assert.True(DarkPixels(image, TrainingPlot.Width / 2, TrainingPlot.Width, 0, 30) > 50, "no title text on the right");
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void An_autoencoder_without_accuracy_gets_the_loss_panel_only()
    {
        var path = Path.Combine(_folder, "autoencoder.png");
        TrainingPlot.Save(path, [Epoch(1, 0.3f, float.NaN), Epoch(2, 0.2f, float.NaN)], "FashionAutoencoder");

        using var image = SKBitmap.Decode(path);
        // One panel spans the width: its title is centred, so the top band's left quarter and right quarter are blank.
        Assert.Equal(0, DarkPixels(image, 0, TrainingPlot.Width / 4, 0, 30));
        Assert.Equal(0, DarkPixels(image, 3 * TrainingPlot.Width / 4, TrainingPlot.Width, 0, 30));
        Assert.True(DarkPixels(image, TrainingPlot.Width / 4, 3 * TrainingPlot.Width / 4, 0, 30) > 50);
    }

    [Fact]
    public void No_epochs_is_refused_and_leaves_an_existing_file_alone()
    {
        var path = Path.Combine(_folder, "kept.png");
        File.WriteAllText(path, "earlier");
        var error = Assert.Throws<ArgumentException>(() => TrainingPlot.Save(path, [], "LeNet5"));
        Assert.Contains("No finished epoch", error.Message);
        Assert.Equal("earlier", File.ReadAllText(path));
    }

    [Fact]
    public void An_unwritable_place_is_reported_before_any_drawing()
    {
        var blocker = Path.Combine(_folder, "a-file");
        File.WriteAllText(blocker, "not a folder");
        var error = Assert.ThrowsAny<IOException>(() => TrainingPlot.CheckWritable(Path.Combine(blocker, "curves.png")));
        Assert.Contains("a-file", error.Message);
        Assert.Equal("not a folder", File.ReadAllText(blocker));
    }

    [Fact]
    public void The_font_ships_next_to_the_program() => Assert.True(File.Exists(TrainingPlot.FontFile), TrainingPlot.FontFile);

    private static int DarkPixels(SKBitmap image, int left, int right, int top, int bottom)
    {
        var count = 0;
        for (var y = top; y < bottom; y++)
            for (var x = left; x < right; x++)
            {
                var pixel = image.GetPixel(x, y);
                if (pixel.Red + pixel.Green + pixel.Blue < 3 * 128) count++;
            }
        return count;
    }
}
