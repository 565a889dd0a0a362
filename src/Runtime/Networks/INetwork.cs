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

    /// <summary>Every trainable parameter, in layer order, weight before bias: what an optimizer updates.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>State that training updates without an optimizer (BatchNorm's running mean and variance), in layer order.</summary>
    IReadOnlyList<Parameter> Statistics => Array.Empty<Parameter>();

    /// <summary>
    /// Every output, main output first: a network with auxiliary classifier heads has several, each with its own
    /// buffers and loss weight. <see cref="Backward"/> reads the gradient of each.
    /// </summary>
    IReadOnlyList<NetworkOutput> Outputs => [new NetworkOutput("output", Output, Logits, OutputActivation, OutputGradient, 1f)];

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

    /// <summary>
    /// True for an inference context (<see cref="INetwork{TSelf}.CreateInferenceContext"/>): it shares another instance's
    /// parameters, has no gradient buffers, and runs <see cref="Forward"/> with <c>training: false</c> only.
    /// </summary>
    bool IsInferenceContext { get; }

    /// <summary>
    /// Detects use of this instance from two threads at once. <see cref="Forward"/>, <see cref="Backward"/>, <c>Predict</c>,
    /// the trainer's steps and saving or loading weights enter it; code that drives <see cref="Input"/>, <see cref="Forward"/> and <see cref="Output"/>
    /// itself can hold it across the sequence: <c>using var scope = network.UseGuard.Enter("MyInference");</c>.
    /// </summary>
    UseGuard UseGuard { get; }

    /// <summary>Runs every layer on the first <paramref name="batch"/> rows of <see cref="Input"/>. Dropout is active only when <paramref name="training"/>.</summary>
    void Forward(int batch, bool training);

    /// <summary>
    /// Back-propagates <see cref="OutputGradient"/> through the last forward pass, writing every parameter's gradient.
    /// When <paramref name="outputGradientIsForLogits"/>, the gradient is taken as dL/dLogits and the final activation is skipped
    /// (the fused, numerically stable softmax/sigmoid + cross-entropy path).
    /// </summary>
    void Backward(int batch, bool outputGradientIsForLogits);

    /// <summary>
    /// Told during <see cref="Backward"/> as each layer's parameter gradients become final (null: no one); a
    /// data-parallel trainer sets it to start sending gradients before the pass ends. A network that does not report
    /// ignores a value set, and the trainer then sends everything after the pass.
    /// </summary>
    IGradientListener? GradientListener { get => null; set { } }

    /// <summary>
    /// Training passes that drew random numbers: each draws new dropout masks from it and the seed the network was
    /// created with. A checkpoint keeps it, so that a resumed run draws the masks the uninterrupted run would have drawn.
    /// Always 0 for a network without dropout, which ignores a value set.
    /// </summary>
    ulong RandomPasses { get => 0; set { } }

    /// <summary>
    /// Describes the inference pass to <paramref name="graph"/>, layer by layer, with the current weights: what
    /// <see cref="OnnxExport.SaveOnnx"/> writes. Generated for every network.
    /// </summary>
    void WriteOnnx(OnnxGraph graph);
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

    /// <summary>Total number of parameters, as Keras's summary totals them (BatchNorm's running statistics included).</summary>
    static abstract int ParameterCount { get; }

    /// <summary>Number of parameters an optimizer updates (PyTorch's count).</summary>
    static virtual int TrainableParameterCount => TSelf.ParameterCount;

    /// <summary>A table of layers, output shapes and parameter counts, laid out like Keras's <c>model.summary()</c>.</summary>
    static abstract string Summary { get; }

    /// <summary>Constructs the network with buffers for <paramref name="capacity"/> samples and parameters drawn from <paramref name="seed"/>.</summary>
    static abstract TSelf Create(int capacity, IBackend backend, int seed);

    /// <summary>
    /// A new instance that shares this one's parameters and statistics (the same <see cref="Parameter"/> objects, no copy)
    /// but owns its activation buffers, for up to <paramref name="capacity"/> samples: one per thread lets many threads
    /// run inference at once on one copy of the weights. It cannot train (<see cref="INetwork.IsInferenceContext"/>), and it
    /// sees every later change to the shared weights, so do not train or load weights while contexts run.
    /// </summary>
    TSelf CreateInferenceContext(int capacity);
}

/// <summary>One output of a network: its buffers, [capacity, size], and its weight in the training loss.</summary>
/// <param name="Name">The name of the layer that produces it.</param>
/// <param name="Output">The output values.</param>
/// <param name="Logits">The input of its final softmax or sigmoid, or <paramref name="Output"/> when it ends in neither.</param>
/// <param name="Activation">Its final activation (<see cref="Activation.Linear"/> if none).</param>
/// <param name="OutputGradient">The loss gradient <see cref="INetwork.Backward"/> starts from for this output.</param>
/// <param name="LossWeight">Its weight in the total loss (1 for the main output).</param>
public sealed record NetworkOutput(string Name, FloatBuffer Output, FloatBuffer Logits, Activation Activation, FloatBuffer OutputGradient, float LossWeight);
