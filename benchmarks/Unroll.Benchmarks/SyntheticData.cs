using System;

namespace Unroll.Benchmarks;

/// <summary>Uniform random inputs and labels with a fixed seed: the same batch for every framework and every run.</summary>
internal static class SyntheticData
{
    public static Dataset Classification(int inputSize, int classes, int count, int seed = 1)
    {
        var random = new Random(seed);
        var pixels = new float[count * inputSize];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
        var labels = new int[count];
        for (var i = 0; i < count; i++) labels[i] = random.Next(classes);
        return Dataset.ForClassification(pixels, inputSize, labels, classes);
    }
}
