namespace Unroll.Generators.Model;

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
/// One node of the checked graph: its unit, names, the nodes it reads (−1 is the network input), every input's shape, its
/// output shape and window, and its parameter counts. No source locations here: moving a declaration regenerates nothing.
/// </summary>
internal sealed record CheckedLayer(
    int Index,
    Layers.Layer Layer,
    string Name,
    string MemberName,
    EquatableArray<int> Inputs,
    EquatableArray<Shape> InputShapes,
    Shape OutputShape,
    WindowGeometry? Window)
{
    public Shape InputShape => InputShapes[0];

    /// <summary>All parameters, as Keras counts them (BatchNorm's running statistics included).</summary>
    public int ParameterCount { get; init; }

    /// <summary>Parameters an optimizer updates (BatchNorm's running statistics are not).</summary>
    public int TrainableParameterCount { get; init; }

    /// <summary>Whether the layer has trainable parameters (gradients flow into it).</summary>
    public bool HasParameters => TrainableParameterCount > 0;

    /// <summary>Whether its weights start He-initialised (they feed a ReLU-like activation) rather than Glorot-uniform.</summary>
    public bool HeInit { get; init; }

    /// <summary>The initialiser of its main weights.</summary>
    public string Init => HeInit ? "HeNormal" : "GlorotUniform";

    /// <summary>Multiply-adds of one sample's forward pass.</summary>
    public long MultiplyAdds => Layer.MultiplyAdds(this);

    /// <summary>
    /// Bytes one sample's forward pass writes: the output (none for a reshape, which shares its input's) and the buffers
    /// of its own an inference pass fills too (a separable convolution's depthwise output, a recurrent layer's states).
    /// </summary>
    public long ActivationBytes
    {
        get
        {
            long values = Layer.IsAlias ? 0 : OutputShape.Size;
            foreach (var buffer in Layer.Buffers(this))
                if (buffer.FilledAtInference) values += buffer.Length;
            return sizeof(float) * values;
        }
    }
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
    /// <summary>Multiply-adds of one sample's forward pass, all layers together.</summary>
    public long MultiplyAdds
    {
        get
        {
            long total = 0;
            foreach (var layer in Layers) total += layer.MultiplyAdds;
            return total;
        }
    }

    /// <summary>Bytes of activations one sample's forward pass writes, all layers together.</summary>
    public long ActivationBytes
    {
        get
        {
            long total = 0;
            foreach (var layer in Layers) total += layer.ActivationBytes;
            return total;
        }
    }

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
