using System;
using System.Globalization;

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

    public static SampleOptions Parse(string[] args)
    {
        var options = new SampleOptions();
        var positional = 0;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{arg} needs a value");
            options = arg switch
            {
                "--epochs" => options with { Epochs = PositiveInt(arg, Value()) },
                "--batch" => options with { BatchSize = PositiveInt(arg, Value()) },
                "--lr" => options with { LearningRate = PositiveFloat(arg, Value()) },
                "--seed" => options with { Seed = Int(arg, Value()) },
                "--data" => options with { DataDirectory = Value() },
                "--png" => options with { PngPath = Value() },
                "--backend" => options with { Backend = Value() },
                "--limit" => options with { Limit = PositiveInt(arg, Value()) },
                "--validation" => options with { Validation = Fraction(arg, Value()) },
                "--patience" => options with { Patience = PositiveInt(arg, Value()) },
                "--checkpoint" => options with { Checkpoint = Value() },
                "--log" => options with { LogPath = Value() },
                _ when arg.StartsWith('-') => throw new UsageException($"unknown option '{arg}'"),
                _ => positional++ switch
                {
                    0 => options with { Command = arg },
                    1 => options with { Network = arg },
                    _ => throw new UsageException($"unexpected argument '{arg}'"),
                },
            };
        }
        return options;
    }

    private static int Int(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new UsageException($"{name} expects an integer, not '{text}'");

    private static int PositiveInt(string name, string text) =>
        Int(name, text) is var value and > 0 ? value : throw new UsageException($"{name} must be positive, not '{text}'");

    private static float PositiveFloat(string name, string text) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && float.IsFinite(value)
            ? value
            : throw new UsageException($"{name} expects a positive number, not '{text}'");

    private static double Fraction(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && value < 1
            ? value
            : throw new UsageException($"{name} expects a fraction between 0 and 1, not '{text}'");
}
