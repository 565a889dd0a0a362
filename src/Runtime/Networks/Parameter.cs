using System;

namespace Unroll;

/// <summary>How a parameter's values are drawn when its network is constructed (always from the network's seed).</summary>
public enum ParameterInit
{
    /// <summary>All zeros (biases).</summary>
    Zeros = 0,

    /// <summary>Uniform in ±√(6 / (fanIn + fanOut)): Keras's default, suits sigmoid, tanh, softmax and linear layers.</summary>
    GlorotUniform = 1,

    /// <summary>Normal with standard deviation √(2 / fanIn): suits layers followed by ReLU-like activations.</summary>
    HeNormal = 2,

    /// <summary>All ones (BatchNorm's gamma and running variance).</summary>
    Ones = 3,
}

/// <summary>
/// One named, trainable tensor of a network (<c>dense_1.weight</c>), in PyTorch's layout: Dense weights [out, in],
/// Conv2D weights [out, in, kh, kw], biases [out]. Values and gradients live in buffers of the network's backend.
/// </summary>
public sealed class Parameter
{
    private readonly IBackend _backend;

    /// <summary>Allocates the value and gradient buffers of a parameter of the given shape.</summary>
    public Parameter(IBackend backend, string name, int[] shape, ParameterInit init, bool isTrainable = true)
    {
        IsTrainable = isTrainable;
        _backend = backend;
        Name = name;
        Shape = shape;
        Init = init;
        var length = 1;
        foreach (var d in shape) length *= d;
        Length = length;
        Value = backend.Allocate(length);
        Gradient = backend.Allocate(length);
        // PyTorch's fan computation: dim 1 is the input, dim 0 the output, trailing dims are the receptive field.
        var receptive = 1;
        for (var i = 2; i < shape.Length; i++) receptive *= shape[i];
        FanIn = shape.Length > 1 ? shape[1] * receptive : shape[0];
        FanOut = shape[0] * receptive;
    }

    /// <summary>Whether an optimizer updates it (false for BatchNorm's running statistics, which training updates itself).</summary>
    public bool IsTrainable { get; }

    /// <summary>
    /// Whether optimizers leave it as it is (Keras's <c>layer.trainable = False</c>): its gradient is still computed,
    /// but no update, weight decay or clipping touches it. Set it with <see cref="NetworkExtensions.Freeze"/>.
    /// </summary>
    public bool IsFrozen { get; set; }

    /// <summary>Full name, <c>layer.weight</c> or <c>layer.bias</c>.</summary>
    public string Name { get; }

    /// <summary>Shape in PyTorch's layout.</summary>
    public int[] Shape { get; }

    /// <summary>Number of values.</summary>
    public int Length { get; }

    /// <summary>How the values were initialised.</summary>
    public ParameterInit Init { get; }

    /// <summary>Inputs feeding each output unit (in·kh·kw for convolutions).</summary>
    public int FanIn { get; }

    /// <summary>Outputs fed by each input unit (out·kh·kw for convolutions).</summary>
    public int FanOut { get; }

    /// <summary>The current values.</summary>
    public FloatBuffer Value { get; }

    /// <summary>The gradient of the last backward pass.</summary>
    public FloatBuffer Gradient { get; }

    /// <summary>Copies the values out, in <see cref="Shape"/>'s row-major order.</summary>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length != Length)
            throw new ArgumentException($"Parameter '{Name}' has {Length} values {ShapeText}; the destination holds {destination.Length}.", nameof(destination));
        _backend.Download(Value, 0, destination);
    }

    /// <summary>Replaces the values, given in <see cref="Shape"/>'s row-major order.</summary>
    public void CopyFrom(ReadOnlySpan<float> source)
    {
        if (source.Length != Length)
            throw new ArgumentException($"Parameter '{Name}' has {Length} values {ShapeText}; the source holds {source.Length}.", nameof(source));
        _backend.Upload(source, Value);
    }

    /// <summary>The backend whose memory holds the value and the gradient.</summary>
    internal IBackend Backend => _backend;

    /// <summary>The shape as text, e.g. "(256, 784)".</summary>
    public string ShapeText => "(" + string.Join(", ", Shape) + ")";

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {ShapeText}";
}
