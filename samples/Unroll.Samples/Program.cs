using System;
using System.CommandLine;
using System.IO;
using Unroll;
using Unroll.Models;
using Unroll.Samples;

// Trains a network from the zoo on Fashion-MNIST and reports test accuracy, or an autoencoder and reports its test
// reconstruction error, writing a PNG of test images and their reconstructions. `--help` lists the options.
//   dotnet run -c Release --project samples/Unroll.Samples -- train mlp --epochs 5
//   dotnet run -c Release --project samples/Unroll.Samples -- train autoencoder --epochs 5 --png autoencoder.png
try
{
    return SampleOptions.CommandLine(Run).Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message} (see --help)");
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

static int Run(SampleOptions options) => options.Command switch
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

static int Print(string text)
{
    Console.WriteLine(text);
    return 0;
}
