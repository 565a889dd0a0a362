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

/// <summary>The sizes of a fully connected layer over (batch, <see cref="Inputs"/>) activations; weights are [Units, Inputs].</summary>
/// <example><code>backend.DenseForward(x, w, b, y, batch, new DenseGeometry(Inputs: 400, Units: 120));</code></example>
public readonly record struct DenseGeometry(int Inputs, int Units);

/// <summary>
/// The sizes and settings of a batch normalisation over (batch, <see cref="Channels"/>, <see cref="Spatial"/>) values,
/// normalised per channel (<see cref="Spatial"/> is 1 after a Dense layer). <see cref="Momentum"/> is the share of the
/// running statistics kept at each training step; <see cref="Epsilon"/> is added to the variance.
/// </summary>
/// <example><code>var geometry = new BatchNormGeometry(Channels: 16, Spatial: 100, Momentum: 0.99f, Epsilon: 1e-3f);</code></example>
public readonly record struct BatchNormGeometry(int Channels, int Spatial, float Momentum, float Epsilon)
{
    /// <summary>Values in one sample.</summary>
    public int Size => Channels * Spatial;
}

/// <summary>
/// One input of a concatenation along channels: each sample's (<see cref="InputChannels"/>, <see cref="Spatial"/>) block is
/// channels [<see cref="ChannelOffset"/>, <see cref="ChannelOffset"/> + <see cref="InputChannels"/>) of the
/// (<see cref="OutputChannels"/>, <see cref="Spatial"/>) output.
/// </summary>
/// <example><code>var second = new ConcatGeometry(InputChannels: 3, OutputChannels: 6, ChannelOffset: 3, Spatial: 16);</code></example>
public readonly record struct ConcatGeometry(int InputChannels, int OutputChannels, int ChannelOffset, int Spatial);

/// <summary>
/// Zero padding around each (<see cref="Channels"/>, <see cref="InHeight"/>, <see cref="InWidth"/>) sample: the top and
/// left amounts are given, the bottom and right follow from <see cref="OutHeight"/> and <see cref="OutWidth"/>.
/// </summary>
/// <example><code>var pad1 = new Padding2DGeometry(Channels: 3, InHeight: 4, InWidth: 4, PadTop: 1, PadLeft: 1, OutHeight: 6, OutWidth: 6);</code></example>
public readonly record struct Padding2DGeometry(int Channels, int InHeight, int InWidth, int PadTop, int PadLeft, int OutHeight, int OutWidth)
{
    /// <summary>Values in one input sample.</summary>
    public int InputSize => Channels * InHeight * InWidth;

    /// <summary>Values in one output sample.</summary>
    public int OutputSize => Channels * OutHeight * OutWidth;
}

/// <summary>A pooling over all of each channel's <see cref="Spatial"/> values: (batch, channels, spatial) → (batch, channels).</summary>
/// <example><code>var global = new GlobalPool2DGeometry(Channels: 64, Spatial: 7 * 7);</code></example>
public readonly record struct GlobalPool2DGeometry(int Channels, int Spatial);

/// <summary>
/// Nearest-neighbour upsampling of (channels, inHeight, inWidth) samples by whole factors: output cell (y, x) is input
/// cell (y / <see cref="FactorHeight"/>, x / <see cref="FactorWidth"/>).
/// </summary>
/// <example><code>var up = new UpSampling2DGeometry(Channels: 16, InHeight: 7, InWidth: 7, FactorHeight: 2, FactorWidth: 2);</code></example>
public readonly record struct UpSampling2DGeometry(int Channels, int InHeight, int InWidth, int FactorHeight, int FactorWidth)
{
    public int OutHeight => InHeight * FactorHeight;

    public int OutWidth => InWidth * FactorWidth;

    /// <summary>Values in one input sample.</summary>
    public int InputSize => Channels * InHeight * InWidth;

    /// <summary>Values in one output sample.</summary>
    public int OutputSize => Channels * OutHeight * OutWidth;
}

/// <summary>
/// One direction of a recurrent layer over (batch, steps, inputs) sequences. Its output holds <see cref="OutputFeatures"/>
/// values a step (a bidirectional layer's two directions side by side, this one from <see cref="OutputOffset"/>), for every
/// step or, without <see cref="ReturnSequences"/>, for the last step it processes (step 0 when <see cref="Reverse"/>).
/// <see cref="AccumulateInputGradient"/> makes backward add to the input gradient (a second direction) instead of writing it.
/// </summary>
/// <example><code>var lstm = new RecurrentGeometry(RecurrentCell.Lstm, Steps: 28, Inputs: 28, Units: 128, Reverse: false,
///     ReturnSequences: false, OutputFeatures: 128, OutputOffset: 0, AccumulateInputGradient: false);</code></example>
public readonly record struct RecurrentGeometry(
    RecurrentCell Cell, int Steps, int Inputs, int Units, bool Reverse, bool ReturnSequences,
    int OutputFeatures, int OutputOffset, bool AccumulateInputGradient)
{
    /// <summary>Rows of the weights: gates × units.</summary>
    public int GateSize => (int)Cell * Units;

    /// <summary>Values one step of one sample keeps for backward: its gates, its hidden state and, for LSTM the cell state, for GRU W_hn·h + b_hn.</summary>
    public int StateSize => GateSize + (Cell == RecurrentCell.SimpleRnn ? Units : 2 * Units);

    /// <summary>Values in one input sample.</summary>
    public int InputSize => Steps * Inputs;

    /// <summary>Values in one output sample.</summary>
    public int OutputSize => (ReturnSequences ? Steps : 1) * OutputFeatures;

    /// <summary>Per sample, the <see cref="RecurrentBuffers.States"/> buffer: every step's state.</summary>
    public int StatesLength => Steps * StateSize;

    /// <summary>Per sample, the <see cref="RecurrentBuffers.Step"/> scratch: one step's hidden projection and two carried gradients.</summary>
    public int StepLength => GateSize + 2 * Units;

    /// <summary>Per sample, each of <see cref="RecurrentGradients.Gates"/> and <see cref="RecurrentGradients.HiddenGates"/>.</summary>
    public int GateGradientLength => Steps * GateSize;
}

/// <summary>
/// Every size a transposed 2-D convolution needs, fixed by the generator: each input cell (iy, ix) of a
/// (<see cref="InChannels"/>, <see cref="InHeight"/>, <see cref="InWidth"/>) sample adds its value times the kernel into
/// output rows iy·<see cref="StrideHeight"/> − <see cref="PadTop"/> + i and columns ix·<see cref="StrideWidth"/> −
/// <see cref="PadLeft"/> + j, those inside (<see cref="OutChannels"/>, <see cref="OutHeight"/>, <see cref="OutWidth"/>).
/// <see cref="PadTop"/> and <see cref="PadLeft"/> are the rows and columns cropped from the top and left of the full
/// output; the bottom and right crops follow from the output size. Weights are [inChannels, outChannels, kernelHeight,
/// kernelWidth] (PyTorch's <c>ConvTranspose2d</c> layout).
/// </summary>
/// <example><code>// 8 channels of 7×7 to 4 channels of 14×14: kernel 3, stride 2, 'same' (crop 0 at the top, 1 at the bottom)
/// var up = new Conv2DTransposeGeometry(8, 7, 7, 4, 3, 3, 2, 2, PadTop: 0, PadLeft: 0, OutHeight: 14, OutWidth: 14);</code></example>
public readonly record struct Conv2DTransposeGeometry(
    int InChannels, int InHeight, int InWidth,
    int OutChannels, int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft,
    int OutHeight, int OutWidth)
{
    /// <summary>Values in one input sample.</summary>
    public int InputSize => InChannels * InHeight * InWidth;

    /// <summary>Values in one output sample.</summary>
    public int OutputSize => OutChannels * OutHeight * OutWidth;

    /// <summary>Values in the weight tensor.</summary>
    public int WeightSize => InChannels * OutChannels * KernelHeight * KernelWidth;

    /// <summary>
    /// The convolution whose input gradient this is: from this layer's output back to its input, with the same weight
    /// tensor read as [outChannels, inChannels, kh, kw]. Its <see cref="IConvolutionOperations.Conv2DWorkspaceLength"/>
    /// sizes the workspace of <see cref="IConvolutionOperations.Conv2DTransposeForward"/> and its backward.
    /// </summary>
    public Conv2DGeometry Convolution => new(OutChannels, OutHeight, OutWidth, InChannels, KernelHeight, KernelWidth,
        StrideHeight, StrideWidth, PadTop, PadLeft, InHeight, InWidth);
}
