using System;
using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>Inference and parameter look-up for any generated network.</summary>
public static class NetworkExtensions
{
    /// <summary>
    /// Runs inference on any number of samples, <paramref name="inputs"/> being [count, InputSize] and
    /// <paramref name="outputs"/> [count, OutputSize], in chunks of the network's capacity. Allocates nothing.
    /// </summary>
    /// <param name="network">The network to run.</param>
    /// <param name="inputs">The samples, row-major.</param>
    /// <param name="outputs">Receives the outputs, row-major.</param>
    /// <param name="validateInput">
    /// Whether to reject NaN and infinite inputs, which would otherwise come out as NaN outputs (and class 0). The check is
    /// one vectorised pass over the inputs, small beside the forward pass; pass false only for data you have already checked.
    /// </param>
    /// <example><code>
    /// net.Predict(images, probabilities);                          // throws on a NaN pixel, naming the sample
    /// net.Predict(images, probabilities, validateInput: false);    // the caller has checked the data already
    /// </code></example>
    /// <exception cref="ArgumentException">
    /// <paramref name="inputs"/> is not a whole number of samples, <paramref name="outputs"/> does not hold one output per
    /// sample, or (with <paramref name="validateInput"/>) an input value is NaN or infinite; the message names the sample,
    /// the position within it and the value.
    /// </exception>
    public static void Predict<TNetwork>(this TNetwork network, ReadOnlySpan<float> inputs, Span<float> outputs, bool validateInput = true)
        where TNetwork : INetwork<TNetwork>
    {
        var inputSize = TNetwork.InputSize;
        var outputSize = TNetwork.OutputSize;
        var count = SampleCount<TNetwork>(inputs);
        if (outputs.Length != count * outputSize)
            throw new ArgumentException($"{count} samples give {count * outputSize} outputs ({outputSize} each) but the destination holds {outputs.Length}.", nameof(outputs));
        RequireFinite<TNetwork>(inputs, validateInput);

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

    /// <summary>
    /// The most likely class of one sample: the index of the largest output or, for a network of one output, 1 when the
    /// output is above 0.5 (a final sigmoid's probability) or above 0 (a logit or score, for any other final activation).
    /// Allocates nothing.
    /// </summary>
    /// <param name="network">The network to run.</param>
    /// <param name="sample">Exactly one sample of InputSize values.</param>
    /// <param name="validateInput">Whether to reject NaN and infinite inputs; see <see cref="Predict"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="sample"/> is not one sample, or (with <paramref name="validateInput"/>) holds NaN or ±∞.</exception>
    public static int PredictClass<TNetwork>(this TNetwork network, ReadOnlySpan<float> sample, bool validateInput = true)
        where TNetwork : INetwork<TNetwork>
    {
        if (sample.Length != TNetwork.InputSize) ThrowNotOneSample<TNetwork>(sample.Length);
        Span<int> one = stackalloc int[1];
        PredictClasses(network, sample, one, validateInput, nameof(PredictClass));
        return one[0];
    }

    /// <summary>
    /// The most likely class of each of any number of samples (<paramref name="inputs"/> being [count, InputSize]), as
    /// <see cref="PredictClass"/> decides it, in chunks of the network's capacity. Allocates nothing for outputs of up
    /// to 1,024 values.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="inputs"/> is not a whole number of samples, <paramref name="classes"/> does not hold one class per
    /// sample, or (with <paramref name="validateInput"/>) an input value is NaN or infinite.
    /// </exception>
    public static void PredictClasses<TNetwork>(this TNetwork network, ReadOnlySpan<float> inputs, Span<int> classes, bool validateInput = true)
        where TNetwork : INetwork<TNetwork>
        => PredictClasses(network, inputs, classes, validateInput, nameof(PredictClasses));

    /// <summary>PredictClasses, its errors naming <paramref name="operation"/>, the method the caller called.</summary>
    private static void PredictClasses<TNetwork>(TNetwork network, ReadOnlySpan<float> inputs, Span<int> classes, bool validateInput, string operation)
        where TNetwork : INetwork<TNetwork>
    {
        var inputSize = TNetwork.InputSize;
        var outputSize = TNetwork.OutputSize;
        var count = SampleCount<TNetwork>(inputs);
        if (classes.Length != count)
            throw new ArgumentException($"{count} samples give {count} classes but the destination holds {classes.Length}.", nameof(classes));
        RequireFinite<TNetwork>(inputs, validateInput);

        using var exclusive = network.UseGuard.Enter(operation);
        var backend = network.Backend;
        var threshold = network.OutputActivation == Activation.Sigmoid ? 0.5f : 0f;
        Span<float> output = outputSize <= 1024 ? stackalloc float[outputSize] : new float[outputSize];
        for (var first = 0; first < count; first += network.Capacity)
        {
            var n = Math.Min(network.Capacity, count - first);
            backend.Upload(inputs.Slice(first * inputSize, n * inputSize), network.Input);
            network.Forward(n, training: false);
            for (var i = 0; i < n; i++)
            {
                backend.Download(network.Output, i * outputSize, output);
                classes[first + i] = outputSize > 1 ? TensorPrimitives.IndexOfMax(output) : output[0] > threshold ? 1 : 0;
            }
        }
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

    /// <summary>The number of samples in <paramref name="inputs"/>, which must be whole ones.</summary>
    private static int SampleCount<TNetwork>(ReadOnlySpan<float> inputs) where TNetwork : INetwork<TNetwork>
    {
        var inputSize = TNetwork.InputSize;
        if (inputs.Length % inputSize != 0)
            throw new ArgumentException($"{typeof(TNetwork).Name} takes {inputSize} values per sample; {inputs.Length} values are not a whole number of samples.", nameof(inputs));
        return inputs.Length / inputSize;
    }

    /// <summary>With <paramref name="validateInput"/>, rejects a NaN or infinite input, naming its sample and position.</summary>
    private static void RequireFinite<TNetwork>(ReadOnlySpan<float> inputs, bool validateInput) where TNetwork : INetwork<TNetwork>
    {
        if (validateInput && FiniteValues.IndexOfNonFinite(inputs) is var bad and >= 0)
            ThrowNonFinite<TNetwork>(bad, inputs[bad], TNetwork.InputSize);
    }

    [DoesNotReturn]
    private static void ThrowNonFinite<TNetwork>(int index, float value, int inputSize)
        => throw new ArgumentException(
            $"Sample {index / inputSize} has a non-finite input value ({value.ToString(System.Globalization.CultureInfo.InvariantCulture)}) at position {index % inputSize} " +
            $"(of {inputSize} values per sample); {typeof(TNetwork).Name} would output NaN for it. " +
            "Fix or drop the sample (validateInput: false skips this check for data already checked).", "inputs");

    [DoesNotReturn]
    private static void ThrowNotOneSample<TNetwork>(int length) where TNetwork : INetwork<TNetwork>
    {
        var inputSize = TNetwork.InputSize;
        var hint = length > inputSize && length % inputSize == 0
            ? $" ({length / inputSize} samples); use Predict for several samples"
            : "";
        throw new ArgumentException(
            $"PredictClass takes exactly one sample of {inputSize} values ({typeof(TNetwork).Name}'s input), but got {length}{hint}.", "sample");
    }

    /// <summary>
    /// Freezes the parameters of the named layers (all of them when none is named), so that optimizers leave them as
    /// they are: Keras's <c>layer.trainable = False</c>, to fine-tune the head of a trained network. Backward still
    /// computes their gradients. A name that is no layer with parameters is refused, listing those there are, and
    /// then nothing changes.
    /// </summary>
    public static void Freeze(this INetwork network, params string[] layers) => SetFrozen(network, layers, frozen: true);

    /// <summary>Lets optimizers update the named layers' parameters again (all of them when none is named).</summary>
    public static void Unfreeze(this INetwork network, params string[] layers) => SetFrozen(network, layers, frozen: false);

    private static void SetFrozen(INetwork network, string[] layers, bool frozen)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(layers);
        static string LayerOf(Parameter p) => p.Name[..p.Name.IndexOf('.')];
        var known = new System.Collections.Generic.HashSet<string>();
        foreach (var p in network.Parameters) known.Add(LayerOf(p));
        foreach (var layer in layers)
            if (!known.Contains(layer))
                throw new ArgumentException($"{network.GetType().Name} has no layer '{layer}' with parameters to {(frozen ? "freeze" : "unfreeze")}; those it has are {string.Join(", ", known)}.", nameof(layers));
        foreach (var p in network.Parameters)
            if (layers.Length == 0 || Array.IndexOf(layers, LayerOf(p)) >= 0) p.IsFrozen = frozen;
    }
}
