using System;
using System.Collections.Generic;

namespace Unroll;

/// <summary>
/// What every generated network offers at run time. Buffers hold up to <see cref="Capacity"/> samples, row-major;
/// a pass over <c>batch</c> samples uses the first batch rows. Nothing here allocates.
/// </summary>
public interface INetwork
{
    /// <summary>The backend whose kernels and buffers the network uses.</summary>
    IBackend Backend { get; }

    /// <summary>The largest batch a pass can take, fixed at construction.</summary>
    int Capacity { get; }

    /// <summary>Every trainable parameter, in layer order, weight before bias.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Input samples, [capacity, input size].</summary>
    FloatBuffer Input { get; }

    /// <summary>Output of the last layer, [capacity, output size].</summary>
    FloatBuffer Output { get; }

    /// <summary>The input of the final activation when the network ends in <see cref="Activation.Softmax"/> or <see cref="Activation.Sigmoid"/>; otherwise <see cref="Output"/>.</summary>
    FloatBuffer Logits { get; }

    /// <summary>The activation the network ends in (<see cref="Activation.Linear"/> if none), so a loss can fuse with it.</summary>
    Activation OutputActivation { get; }

    /// <summary>Gradient of the loss that <see cref="Backward"/> starts from, [capacity, output size]: with respect to <see cref="Output"/>, or to <see cref="Logits"/> when told so.</summary>
    FloatBuffer OutputGradient { get; }

    /// <summary>Runs every layer on the first <paramref name="batch"/> rows of <see cref="Input"/>. Dropout is active only when <paramref name="training"/>.</summary>
    void Forward(int batch, bool training);

    /// <summary>
    /// Back-propagates <see cref="OutputGradient"/> through the last forward pass, writing every parameter's gradient.
    /// When <paramref name="outputGradientIsForLogits"/>, the gradient is taken as dL/dLogits and the final activation is skipped
    /// (the fused, numerically stable softmax/sigmoid + cross-entropy path).
    /// </summary>
    void Backward(int batch, bool outputGradientIsForLogits);
}

/// <summary>
/// A generated network's compile-time facts, reachable from generic code without reflection (trimming- and AOT-safe).
/// </summary>
/// <typeparam name="TSelf">The generated network class.</typeparam>
public interface INetwork<TSelf> : INetwork where TSelf : INetwork<TSelf>
{
    /// <summary>Values in one input sample.</summary>
    static abstract int InputSize { get; }

    /// <summary>Values in one output sample.</summary>
    static abstract int OutputSize { get; }

    /// <summary>Shape of one input sample, e.g. (1, 28, 28).</summary>
    static abstract ReadOnlySpan<int> InputShape { get; }

    /// <summary>Shape of one output sample.</summary>
    static abstract ReadOnlySpan<int> OutputShape { get; }

    /// <summary>Total number of parameters.</summary>
    static abstract int ParameterCount { get; }

    /// <summary>A table of layers, output shapes and parameter counts, laid out like Keras's <c>model.summary()</c>.</summary>
    static abstract string Summary { get; }

    /// <summary>Constructs the network with buffers for <paramref name="capacity"/> samples and parameters drawn from <paramref name="seed"/>.</summary>
    static abstract TSelf Create(int capacity, IBackend backend, int seed);
}
