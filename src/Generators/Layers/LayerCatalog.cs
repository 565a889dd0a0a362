using System;
using System.Collections.Generic;

namespace Unroll.Generators.Layers;

/// <summary>
/// Every layer the generator knows, found by attribute (<c>[BatchNorm]</c>) or by Tensor method (<c>x.BatchNorm()</c>);
/// both forms bind through the same unit's <c>Bind</c>. The attribute types are Unroll.Runtime's own, linked into the
/// generator, so names are <c>nameof</c> and defaults are the attributes' own. Adding a layer adds one line here.
/// </summary>
internal static class LayerCatalog
{
    /// <summary>A layer attribute: its runtime type and the binder that reads its arguments into a unit.</summary>
    internal sealed record Entry(Type Attribute, Func<LayerArguments, Layer> Bind)
    {
        /// <summary>The attribute and Tensor method name: <c>BatchNorm</c>.</summary>
        public string Name => Attribute.Name.Substring(0, Attribute.Name.Length - "Attribute".Length);

        public string FullName => Attribute.FullName!;
    }

    public static readonly Entry[] Entries =
    {
        // Core
        new(typeof(DenseAttribute), Dense.Bind),
        new(typeof(DropoutAttribute), Dropout.Bind),
        new(typeof(FlattenAttribute), Flatten.Bind),
        new(typeof(ScaleAttribute), Scale.Bind),
        // Convolutional
        new(typeof(Conv2DAttribute), Conv2D.Bind),
        new(typeof(DepthwiseConv2DAttribute), DepthwiseConv2D.Bind),
        new(typeof(SeparableConv2DAttribute), SeparableConv2D.Bind),
        new(typeof(Conv2DTransposeAttribute), Conv2DTranspose.Bind),
        // Pooling
        new(typeof(MaxPool2DAttribute), MaxPool2D.Bind),
        new(typeof(AvgPool2DAttribute), AvgPool2D.Bind),
        new(typeof(GlobalAvgPool2DAttribute), GlobalAvgPool2D.Bind),
        // Normalization
        new(typeof(BatchNormAttribute), BatchNorm.Bind),
        // Reshaping
        new(typeof(ZeroPadding2DAttribute), ZeroPadding2D.Bind),
        new(typeof(ReshapeAttribute), Reshape.Bind),
        new(typeof(UpSampling2DAttribute), UpSampling2D.Bind),
        // Recurrent
        new(typeof(SimpleRnnAttribute), Recurrent.Binder(RecurrentCell.SimpleRnn, new SimpleRnnAttribute(1).ReturnSequences, new SimpleRnnAttribute(1).Bidirectional)),
        new(typeof(LstmAttribute), Recurrent.Binder(RecurrentCell.Lstm, new LstmAttribute(1).ReturnSequences, new LstmAttribute(1).Bidirectional)),
        new(typeof(GruAttribute), Recurrent.Binder(RecurrentCell.Gru, new GruAttribute(1).ReturnSequences, new GruAttribute(1).Bidirectional)),
        // Activations
        new(typeof(LinearAttribute), ActivationLayer.Binder(Activation.Linear)),
        new(typeof(ReluAttribute), ActivationLayer.Binder(Activation.Relu)),
        new(typeof(LeakyReluAttribute), ActivationLayer.Binder(Activation.LeakyRelu, new LeakyReluAttribute().Alpha)),
        new(typeof(EluAttribute), ActivationLayer.Binder(Activation.Elu, new EluAttribute().Alpha)),
        new(typeof(SigmoidAttribute), ActivationLayer.Binder(Activation.Sigmoid)),
        new(typeof(TanhAttribute), ActivationLayer.Binder(Activation.Tanh)),
        new(typeof(SoftmaxAttribute), ActivationLayer.Binder(Activation.Softmax)),
    };

    private static readonly Dictionary<string, Entry> ByAttribute = Index(e => e.FullName);
    private static readonly Dictionary<string, Entry> ByMethod = Index(e => e.Name);

    /// <summary>Attribute names as written (<c>Dense</c>), to find classes with layers but no [Network] before binding.</summary>
    public static readonly HashSet<string> ShortNames = new(ByMethod.Keys, StringComparer.Ordinal);

    public static Entry? FindAttribute(string fullName) => ByAttribute.TryGetValue(fullName, out var e) ? e : null;

    public static Entry? FindMethod(string name) => ByMethod.TryGetValue(name, out var e) ? e : null;

    private static Dictionary<string, Entry> Index(Func<Entry, string> key)
    {
        var index = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var entry in Entries) index.Add(key(entry), entry);
        return index;
    }
}
