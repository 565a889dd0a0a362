using System;
using System.Globalization;
using System.IO;
using Unroll;
using Unroll.Models;
using Unroll.Samples;

// Trains a network from the zoo on Fashion-MNIST and reports test accuracy, or an autoencoder and reports its test
// reconstruction error, writing a PNG of test images and their reconstructions.
//   dotnet run -c Release --project samples/Unroll.Samples -- train mlp --epochs 5
//   dotnet run -c Release --project samples/Unroll.Samples -- train autoencoder --epochs 5 --png autoencoder.png
const string usage = """
    usage: Unroll.Samples train <mlp|lenet|resnet|inception|gru|lstm> [--epochs N] [--batch N] [--lr X] [--seed N] [--data DIR] [--backend cpu|cuda|ilgpu-cpu] [--limit N]
                                [--validation F] [--patience N] [--checkpoint FILE] [--log FILE]
           Unroll.Samples train <autoencoder|conv-autoencoder> [--epochs N] [--batch N] [--lr X] [--seed N] [--data DIR] [--png PATH] [--backend cpu|cuda|ilgpu-cpu] [--limit N]
           Unroll.Samples summary <mlp|lenet|resnet|inception|gru|lstm|autoencoder|conv-autoencoder>
    """;

try
{
    var options = SampleOptions.Parse(args);
    return options.Command switch
    {
        "summary" => options.Network switch
        {
            "mlp" => Print(FashionMlp.Summary),
            "lenet" => Print(LeNet5.Summary),
            "resnet" => Print(FashionResNet.Summary),
            "inception" => Print(FashionInception.Summary),
            "gru" => Print(FashionGru.Summary),
            "lstm" => Print(FashionLstm.Summary),
            "autoencoder" => Print(FashionAutoencoder.Summary),
            "conv-autoencoder" => Print(FashionConvAutoencoder.Summary),
            _ => throw new UsageException($"unknown network '{options.Network}'"),
        },
        "train" => options.Network switch
        {
            "mlp" => TrainCommand.Run<FashionMlp>(options),
            "lenet" => TrainCommand.Run<LeNet5>(options),
            "resnet" => TrainCommand.Run<FashionResNet>(options),
            "inception" => TrainCommand.Run<FashionInception>(options),
            "gru" => TrainCommand.Run<FashionGru>(options),
            "lstm" => TrainCommand.Run<FashionLstm>(options),
            "autoencoder" => AutoencoderCommand.Run<FashionAutoencoder>(options, "autoencoder.png"),
            "conv-autoencoder" => AutoencoderCommand.Run<FashionConvAutoencoder>(options, "conv-autoencoder.png"),
            _ => throw new UsageException($"unknown network '{options.Network}'"),
        },
        _ => throw new UsageException($"unknown command '{options.Command}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(usage);
    return 2;
}
catch (NotSupportedException e) // the backend lacks an operation the network needs: the message names both
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
catch (Exception e) when (e is IOException or InvalidDataException) // a missing, unreadable or corrupt file: its message names it
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static int Print(string text)
{
    Console.WriteLine(text);
    return 0;
}
