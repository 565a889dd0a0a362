using Xunit;

namespace Unroll.Tests.Packaging;

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
        foreach (var option in new[] { "--epochs <N>", "--validation <F>", "--patience <N>", "--checkpoint <FILE>", "--log <FILE>", "--backend <cpu|cuda|ilgpu-cpu>" })
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
}
