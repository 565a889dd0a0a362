using System.IO;
using Unroll.Tests.Packaging;
using Xunit;

namespace Unroll.Tests.Samples;

/// <summary>The sample's command line as a user meets it: help on request, and errors that name the option at fault.</summary>
[Collection(nameof(DotnetProcess))]
public sealed class SampleCommandLineTests
{
    private static (int Code, string Log) Sample(params string[] arguments) =>
        DotnetProcess.Run(DotnetProcess.RepositoryRoot, null,
            ["run", "--project", "samples/Unroll.Samples", "-c", DotnetProcess.Configuration, "--", .. arguments]);

    [Fact]
    public void Help_lists_the_commands_and_the_training_options()
    {
        var (code, log) = Sample("--help");
        Assert.True(code == 0, log);
        Assert.Contains("train <", log);
        Assert.Contains("summary <", log);

        (code, log) = Sample("train", "--help");
        Assert.True(code == 0, log);
        foreach (var option in new[] { "--epochs <N>", "--validation <F>", "--patience <N>", "--checkpoint <FILE>", "--log <FILE>", "--plot <FILE>", "--backend <cpu|cuda|ilgpu-cpu>" })
            Assert.Contains(option, log);
    }

    [Fact]
    public void Bad_arguments_are_refused_with_the_option_named()
    {
        var (code, log) = Sample("train", "mlp", "--epochs", "0");
        Assert.NotEqual(0, code);
        Assert.Contains("--epochs must be positive", log);

        (code, log) = Sample("train", "mlp", "--validation", "1.5");
        Assert.NotEqual(0, code);
        Assert.Contains("--validation must be a fraction between 0 and 1", log);

        (code, log) = Sample("train", "perceptron");
        Assert.NotEqual(0, code);
        Assert.Contains("Argument 'perceptron' not recognized", log);
        Assert.Contains("'conv-autoencoder'", log);
    }

    [Fact]
    public void Training_writes_the_log_and_the_plot_and_tests_the_best_epoch()
    {
        var folder = Directory.CreateTempSubdirectory("unroll-sample-").FullName;
        try
        {
            foreach (var network in new[] { "mlp", "autoencoder" }) // a classifier, and a network with a loss only
            {
                string File(string name) => Path.Combine(folder, $"{network}.{name}");
                var (code, log) = Sample("train", network, "--limit", "300", "--epochs", "2", "--validation", "0.2", "--patience", "3",
                    "--log", File("csv"), "--plot", File("png"), "--checkpoint", File("safetensors"), "--png", File("pictures.png"));
                Assert.True(code == 0, log);
                Assert.Contains("Validation: 60 of the training images held out", log);
                Assert.Contains("epoch 2/2  loss ", log);
                Assert.Contains("val_loss ", log);
                Assert.Contains($"Wrote {File("png")}", log);
                Assert.Contains($"Best epoch's weights reloaded from {File("safetensors")}", log);
                Assert.Equal(3, System.IO.File.ReadAllLines(File("csv")).Length); // a header and two epochs
                Assert.True(new FileInfo(File("png")).Length > 10_000, "the plot is missing or blank");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
