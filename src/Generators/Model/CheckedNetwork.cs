namespace Unroll.Generators.Model;

/// <summary>
/// The shape of one sample: rank 1 (features) or rank 3 (channels, height, width). A rank-1 shape keeps its size
/// in <see cref="Channels"/> with height and width 1.
/// </summary>
internal readonly record struct Shape(int Rank, int Channels, int Height, int Width)
{
    public static Shape Vector(int features) => new(1, features, 1, 1);

    public static Shape Image(int channels, int height, int width) => new(3, channels, height, width);

    public int Features => Channels;

    public int Size => Channels * Height * Width;

    public bool IsImage => Rank == 3;

    public override string ToString() => IsImage ? $"({Channels}, {Height}, {Width})" : $"({Channels})";

    /// <summary>Keras's notation with the batch dimension: <c>(None, 6, 28, 28)</c>.</summary>
    public string ToBatchString() => IsImage ? $"(None, {Channels}, {Height}, {Width})" : $"(None, {Channels})";
}

/// <summary>Where a convolution or pooling window goes: every size fixed, padding resolved to top/left amounts.</summary>
internal sealed record WindowGeometry(
    int KernelHeight,
    int KernelWidth,
    int Stride,
    int PadTop,
    int PadLeft,
    int OutHeight,
    int OutWidth,
    string PaddingText);

/// <summary>
/// One node of the checked graph. <see cref="Inputs"/> holds the indices of the nodes it reads (−1 is the network input);
/// a sequential network reads the previous node. No source locations here: moving a declaration does not regenerate code.
/// </summary>
internal sealed record CheckedLayer(
    int Index,
    LayerKind Kind,
    Activation Activation,
    string Name,
    string MemberName,
    EquatableArray<int> Inputs,
    Shape InputShape,
    Shape OutputShape,
    int Units,
    bool UseBias,
    double Value,
    WindowGeometry? Window,
    int ParameterCount,
    bool HeInit)
{
    /// <summary>Whether the layer has trainable parameters (gradients flow into it).</summary>
    public bool HasParameters => TrainableParameterCount > 0;

    /// <summary>Parameters an optimizer updates (BatchNorm's running statistics are not).</summary>
    public int TrainableParameterCount { get; init; }

    public int Groups { get; init; } = 1;

    public int DepthMultiplier { get; init; } = 1;

    /// <summary>ZeroPadding2D's amounts.</summary>
    public int PadTop { get; init; }

    public int PadLeft { get; init; }

    public double Epsilon { get; init; }

    public bool Scale { get; init; } = true;

    public bool Center { get; init; } = true;

    /// <summary>Whether the layer is a convolution (Conv2D, DepthwiseConv2D, SeparableConv2D) and needs the shared workspace.</summary>
    public bool IsConvolution => Kind is LayerKind.Conv2D or LayerKind.DepthwiseConv2D or LayerKind.SeparableConv2D;
}

/// <summary>One output of the network: the node that produces it and its weight in the training loss.</summary>
internal sealed record CheckedOutput(int Node, double LossWeight);

/// <summary>A network whose shapes all check out, ready to emit.</summary>
internal sealed record CheckedNetwork(
    TypeDeclarationInfo Type,
    Shape InputShape,
    EquatableArray<CheckedLayer> Layers,
    int ParameterCount)
{
    /// <summary>The outputs, main output first (a sequential network has one: its last layer).</summary>
    public EquatableArray<CheckedOutput> Outputs { get; init; }

    /// <summary>Parameters an optimizer updates.</summary>
    public int TrainableParameterCount { get; init; }

    /// <summary>Every layer reads the one before it and the last is the only output: the summary keeps Keras's sequential layout.</summary>
    public bool IsSequential { get; init; }

    /// <summary>Whether the layers came from a definition method rather than attributes.</summary>
    public bool FromDefinition { get; init; }

    public int MainOutput => Outputs.Count == 0 ? Layers.Count - 1 : Outputs[0].Node;

    public Shape OutputShape => Layers[MainOutput].OutputShape;
}

/// <summary>The checker's answer: a network to emit (null when an error stops it) and diagnostics to report.</summary>
internal sealed record CheckResult(CheckedNetwork? Network, EquatableArray<DiagnosticInfo> Diagnostics);
