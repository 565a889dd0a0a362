using System;
using System.CommandLine;

namespace Unroll.Samples;

/// <summary>A mistake on the command line; the program prints it with the usage text.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The sample's command line.</summary>
public sealed record SampleOptions
{
    public string Command { get; init; } = "train";
    public string Network { get; init; } = "mlp";
    public int Epochs { get; init; } = 5;
    public int BatchSize { get; init; } = 32;
    public float? LearningRate { get; init; }
    public int Seed { get; init; } = 1;
    public string DataDirectory { get; init; } = FashionMnist.DefaultDirectory;
    /// <summary>Where the autoencoder commands write their picture; null for the command's default.</summary>
    public string? PngPath { get; init; }
    /// <summary>cpu (the default), cuda or ilgpu-cpu (ILGPU's CPU accelerator: slow, for trying the GPU path without a GPU).</summary>
    public string Backend { get; init; } = "cpu";
    /// <summary>Train and test on the first this many images only; null for all of them.</summary>
    public int? Limit { get; init; }
    /// <summary>Fraction of the training images held out for validation after every epoch; null for none.</summary>
    public double? Validation { get; init; }
    /// <summary>Early stopping: epochs without a better validation (else training) loss before training stops.</summary>
    public int? Patience { get; init; }
    /// <summary>Where the weights of the best epoch are kept (safetensors).</summary>
    public string? Checkpoint { get; init; }
    /// <summary>Where the per-epoch CSV log goes.</summary>
    public string? LogPath { get; init; }
    /// <summary>Where the PNG of loss and accuracy per epoch goes (<see cref="TrainingPlot"/>).</summary>
    public string? PlotPath { get; init; }
    /// <summary>Shift training images by up to 2 pixels and mirror half of them (ImageAugmentation).</summary>
    public bool Augment { get; init; }
    /// <summary>Train data-parallel with the other ranks mpirun started (<see cref="Ranks"/>).</summary>
    public bool Distributed { get; init; }
    /// <summary>With <see cref="Distributed"/>: seconds a rank waits for the others before it stops every rank.</summary>
    public int Timeout { get; init; } = 30;

    /// <summary>The backend <see cref="Backend"/> names. Asking for cuda where there is none is an error, never a fallback.</summary>
    public IBackend CreateBackend()
    {
        try
        {
            return Backend switch
            {
                "cpu" => CpuBackend.Shared,
                "cuda" => IlgpuBackend.Create(IlgpuDevice.Cuda),
                "ilgpu-cpu" => IlgpuBackend.Create(IlgpuDevice.Cpu),
                _ => throw new UsageException($"unknown backend '{Backend}': expected cpu, cuda or ilgpu-cpu"),
            };
        }
        catch (InvalidOperationException e) // no CUDA device
        {
            throw new UsageException($"--backend {Backend}: {e.Message}");
        }
    }

    /// <summary>The first <see cref="Limit"/> samples of <paramref name="data"/>, or all of them.</summary>
    public Dataset Limited(Dataset data) => Limit is int n && n < data.Count ? data.Take(n) : data;

    /// <summary>The networks the sample can train and summarise.</summary>
    public static readonly string[] Networks = ["mlp", "lenet", "resnet", "inception", "gru", "lstm", "autoencoder", "conv-autoencoder"];

    /// <summary>
    /// The command line (System.CommandLine: <c>--help</c> on every command, typed options, errors that name the option):
    /// <c>train &lt;network&gt; [options]</c> and <c>summary &lt;network&gt;</c>, each handing its options to <paramref name="run"/>.
    /// </summary>
    public static RootCommand CommandLine(Func<SampleOptions, int> run)
    {
        Argument<string> NetworkArgument()
        {
            var network = new Argument<string>("network") { Description = "The network: " + string.Join(", ", Networks) + "." };
            network.AcceptOnlyFromAmong(Networks);
            return network;
        }
        var defaults = new SampleOptions();
        var epochs = Positive(new Option<int>("--epochs") { HelpName = "N", Description = "Passes over the training images.", DefaultValueFactory = _ => defaults.Epochs });
        var batch = Positive(new Option<int>("--batch") { HelpName = "N", Description = "Images per optimizer step.", DefaultValueFactory = _ => defaults.BatchSize });
        var lr = new Option<float?>("--lr") { HelpName = "X", Description = "Adam's learning rate (default 0.001), decayed by a cosine schedule." };
        lr.Validators.Add(r => { if (r.GetValueOrDefault<float?>() is not (> 0 and < float.PositiveInfinity)) r.AddError("--lr must be a positive number."); });
        var seed = new Option<int>("--seed") { HelpName = "N", Description = "Seed of the initial weights, the shuffling and the validation split.", DefaultValueFactory = _ => defaults.Seed };
        var data = new Option<string>("--data") { HelpName = "DIR", Description = "Folder of the Fashion-MNIST files.", DefaultValueFactory = _ => defaults.DataDirectory };
        var png = new Option<string?>("--png") { HelpName = "FILE", Description = "Autoencoders: where to write test images above their reconstructions." };
        var backend = new Option<string>("--backend") { Description = "cpu; cuda (an NVIDIA GPU); ilgpu-cpu (ILGPU's CPU accelerator: slow, for trying the GPU path).", DefaultValueFactory = _ => defaults.Backend };
        backend.AcceptOnlyFromAmong("cpu", "cuda", "ilgpu-cpu");
        var limit = Positive(new Option<int?>("--limit") { HelpName = "N", Description = "Train and test on the first N images only." });
        var validation = new Option<double?>("--validation") { HelpName = "F", Description = "Fraction of the training images held out for validation after each epoch." };
        validation.Validators.Add(r => { if (r.GetValueOrDefault<double?>() is not (> 0 and < 1)) r.AddError("--validation must be a fraction between 0 and 1."); });
        var patience = Positive(new Option<int?>("--patience") { HelpName = "N", Description = "Stop after N epochs without a better validation (else training) loss." });
        var checkpoint = new Option<string?>("--checkpoint") { HelpName = "FILE", Description = "Keep the best epoch's weights in this file, and test them." };
        var log = new Option<string?>("--log") { HelpName = "FILE", Description = "Write one CSV line per epoch to this file." };
        var plot = new Option<string?>("--plot") { HelpName = "FILE", Description = "Draw loss and accuracy per epoch, training and validation, in this PNG." };
        var augment = new Option<bool>("--augment") { Description = "Shift training images by up to 2 pixels and mirror half of them (not validation or test images)." };
        var distributed = new Option<bool>("--distributed") { Description = "Train data-parallel on the ranks mpirun starts (Open MPI): mpirun -np 2 dotnet run ... -- train lenet --distributed." };
        var timeout = Positive(new Option<int>("--timeout") { HelpName = "S", Description = "With --distributed: seconds a rank waits for the others before it stops them all.", DefaultValueFactory = _ => defaults.Timeout });

        var trainNetwork = NetworkArgument();
        var train = new Command("train", "Train a network on Fashion-MNIST and report its test figures.")
        {
            trainNetwork, epochs, batch, lr, seed, data, png, backend, limit, validation, patience, checkpoint, log, plot, augment, distributed, timeout,
        };
        // The autoencoders and the flat-input mlp take no augmentation: refuse rather than ignore it.
        train.Validators.Add(r => { if (r.GetValue(augment) && r.GetValue(trainNetwork) is "mlp" or "autoencoder" or "conv-autoencoder") r.AddError("--augment is for the image classifiers: lenet, resnet, inception, gru or lstm."); });
        train.Validators.Add(r => { if (r.GetValue(distributed) && r.GetValue(trainNetwork) is "autoencoder" or "conv-autoencoder") r.AddError("--distributed is for the classifiers: mlp, lenet, resnet, inception, gru or lstm."); });
        train.SetAction(r => run(new SampleOptions
        {
            Command = "train", Network = r.GetValue(trainNetwork)!, Epochs = r.GetValue(epochs), BatchSize = r.GetValue(batch),
            LearningRate = r.GetValue(lr), Seed = r.GetValue(seed), DataDirectory = r.GetValue(data)!, PngPath = r.GetValue(png),
            Backend = r.GetValue(backend)!, Limit = r.GetValue(limit), Validation = r.GetValue(validation),
            Patience = r.GetValue(patience), Checkpoint = r.GetValue(checkpoint), LogPath = r.GetValue(log), PlotPath = r.GetValue(plot), Augment = r.GetValue(augment),
            Distributed = r.GetValue(distributed), Timeout = r.GetValue(timeout),
        }));
        var summaryNetwork = NetworkArgument();
        var summary = new Command("summary", "Print a network's layers, shapes, parameters and multiply-adds.") { summaryNetwork };
        summary.SetAction(r => run(new SampleOptions { Command = "summary", Network = r.GetValue(summaryNetwork)! }));
        return new RootCommand("Unroll's sample: trains networks from the model zoo on Fashion-MNIST.") { train, summary };
    }

    private static Option<T> Positive<T>(Option<T> option)
    {
        option.Validators.Add(r => { if (r.GetValueOrDefault<T>() is int value && value <= 0) r.AddError($"{option.Name} must be positive."); });
        return option;
    }
}
