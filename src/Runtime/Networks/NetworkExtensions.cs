using System;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>Inference and parameter look-up for any generated network.</summary>
public static class NetworkExtensions
{
    /// <summary>
    /// Runs inference on any number of samples, <paramref name="inputs"/> being [count, InputSize] and
    /// <paramref name="outputs"/> [count, OutputSize], in chunks of the network's capacity. Allocates nothing.
    /// </summary>
    public static void Predict<TNetwork>(this TNetwork network, ReadOnlySpan<float> inputs, Span<float> outputs)
        where TNetwork : INetwork<TNetwork>
    {
        var inputSize = TNetwork.InputSize;
        var outputSize = TNetwork.OutputSize;
        if (inputs.Length % inputSize != 0)
            throw new ArgumentException($"{typeof(TNetwork).Name} takes {inputSize} values per sample; {inputs.Length} values are not a whole number of samples.", nameof(inputs));
        var count = inputs.Length / inputSize;
        if (outputs.Length != count * outputSize)
            throw new ArgumentException($"{count} samples give {count * outputSize} outputs ({outputSize} each) but the destination holds {outputs.Length}.", nameof(outputs));

        using var exclusive = network.UseGuard.Enter("Predict");
        var backend = network.Backend;
        for (var first = 0; first < count; first += network.Capacity)
        {
            var n = Math.Min(network.Capacity, count - first);
            backend.Upload(inputs.Slice(first * inputSize, n * inputSize), network.Input);
            network.Forward(n, training: false);
            backend.Download(network.Output, 0, outputs.Slice(first * outputSize, n * outputSize));
        }
    }

    /// <summary>The most likely class of one sample (the index of the largest output). Allocates nothing.</summary>
    public static int PredictClass<TNetwork>(this TNetwork network, ReadOnlySpan<float> sample)
        where TNetwork : INetwork<TNetwork>
    {
        Span<float> output = TNetwork.OutputSize <= 1024 ? stackalloc float[TNetwork.OutputSize] : new float[TNetwork.OutputSize];
        network.Predict(sample, output);
        return TNetwork.OutputSize == 1 ? (output[0] > 0.5f ? 1 : 0) : TensorPrimitives.IndexOfMax(output);
    }

    /// <summary>The parameter with the given name, e.g. <c>dense_1.weight</c>; throws listing the names there are.</summary>
    public static Parameter GetParameter(this INetwork network, string name)
    {
        foreach (var parameter in network.Parameters)
            if (parameter.Name == name) return parameter;
        var names = new string[network.Parameters.Count];
        for (var i = 0; i < names.Length; i++) names[i] = network.Parameters[i].Name;
        throw new ArgumentException($"{network.GetType().Name} has no parameter '{name}'. Its parameters are: {string.Join(", ", names)}.", nameof(name));
    }
}
