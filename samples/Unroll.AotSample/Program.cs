// Native AOT sample: predicts with a new LeNet5 (the time from process start to that first prediction is the start-up
// cost a user pays before any data is read), trains it briefly on Fashion-MNIST, saves its weights, reloads them into
// a second instance and checks that both predict the same. Exit code 0 only when every step worked.
using System;
using System.Diagnostics;
using System.IO;
using Unroll;
using Unroll.Models;

var started = Process.GetCurrentProcess().StartTime.ToUniversalTime();
int samples = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2048;

var net = new LeNet5(capacity: 64, seed: 1);
int first = net.PredictClass(new float[LeNet5.InputSize]);
Console.WriteLine($"first_prediction_ms={(DateTime.UtcNow - started).TotalMilliseconds:F0} (class {first} for a blank image, untrained)");

var (train, test) = FashionMnist.Load();

var trainer = new Trainer<LeNet5>(net, new SparseCategoricalCrossEntropy(), new Adam());
var clock = Stopwatch.StartNew();
trainer.Fit(train.Take(samples), new FitOptions { Epochs = 1, BatchSize = 64, Seed = 1 });
var evaluation = trainer.Evaluate(test.Take(1000));
Console.WriteLine($"trained on {samples} samples in {clock.Elapsed.TotalSeconds:F1} s: test accuracy {evaluation.Accuracy:F3} on 1000");

string path = Path.Combine(Path.GetTempPath(), $"unroll-aot-{Environment.ProcessId}.safetensors");
try
{
    net.SaveWeights(path);
    var reloaded = new LeNet5(capacity: 1, seed: 2);
    reloaded.LoadWeights(path);
    int agree = 0;
    for (int i = 0; i < 100; i++)
        if (reloaded.PredictClass(test.Sample(i)) == net.PredictClass(test.Sample(i))) agree++;
    Console.WriteLine($"reloaded weights: {agree} of 100 predictions agree");
    return agree == 100 && evaluation.Accuracy > 0.5f ? 0 : 1;
}
finally
{
    File.Delete(path);
}
