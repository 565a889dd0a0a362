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
    public bool HasParameters => Kind is LayerKind.Dense or LayerKind.Conv2D;
}

/// <summary>A network whose shapes all check out, ready to emit.</summary>
internal sealed record CheckedNetwork(
    TypeDeclarationInfo Type,
    Shape InputShape,
    EquatableArray<CheckedLayer> Layers,
    int ParameterCount)
{
    public Shape OutputShape => Layers[Layers.Count - 1].OutputShape;
}

/// <summary>The checker's answer: a network to emit (null when an error stops it) and diagnostics to report.</summary>
internal sealed record CheckResult(CheckedNetwork? Network, EquatableArray<DiagnosticInfo> Diagnostics);
