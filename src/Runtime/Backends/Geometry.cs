namespace Unroll;

/// <summary>
/// Every size a 2-D convolution needs, fixed by the generator. Tensors are (batch, channels, height, width), row-major;
/// weights are [outChannels, inChannels / groups, kernelHeight, kernelWidth].
/// Padding may be asymmetric: <see cref="PadTop"/> and <see cref="PadLeft"/> are given, the bottom and right follow from the output size.
/// </summary>
public readonly record struct Conv2DGeometry(
    int InChannels, int InHeight, int InWidth,
    int OutChannels, int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft,
    int OutHeight, int OutWidth,
    int Groups = 1)
{
    /// <summary>Values in one input sample.</summary>
    public int InputSize => InChannels * InHeight * InWidth;

    /// <summary>Values in one output sample.</summary>
    public int OutputSize => OutChannels * OutHeight * OutWidth;

    /// <summary>Values in the weight tensor.</summary>
    public int WeightSize => OutChannels * (InChannels / Groups) * KernelHeight * KernelWidth;
}

/// <summary>
/// Every size a 2-D pooling window needs, fixed by the generator, over (batch, channels, height, width) tensors.
/// Padded cells are never chosen by max pooling and not counted by average pooling.
/// </summary>
public readonly record struct Pool2DGeometry(
    int Channels, int InHeight, int InWidth,
    int WindowHeight, int WindowWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft,
    int OutHeight, int OutWidth)
{
    /// <summary>Values in one input sample.</summary>
    public int InputSize => Channels * InHeight * InWidth;

    /// <summary>Values in one output sample.</summary>
    public int OutputSize => Channels * OutHeight * OutWidth;
}
