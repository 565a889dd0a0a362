namespace Unroll.Tests.Training;

// Branching networks compiled by the real generator from definition methods, for gradient checks of the generated graph
// passes. Smooth activations keep finite differences meaningful everywhere.

/// <summary>Two residual blocks with BatchNorm (checked in training mode), the second one with a projection shortcut.</summary>
[Network(2, 6, 6)]
public partial class ResidualBatchNormNet
{
    static Tensor Define(Tensor x)
    {
        x = x.Conv2D(4, 3, padding: Padding.Same, useBias: false).BatchNorm().Tanh();
        foreach (var (filters, stride) in new[] { (4, 1), (6, 2) })
            x = Block(x, filters, stride);
        return x.GlobalAvgPool2D().Dense(3).Softmax();
    }

    static Tensor Block(Tensor x, int filters, int stride)
    {
        var y = x.Conv2D(filters, 3, stride: stride, padding: Padding.Same, useBias: false).BatchNorm().Tanh()
                 .Conv2D(filters, 3, padding: Padding.Same).BatchNorm(scale: false);
        var shortcut = x.Channels == filters && stride == 1 ? x : x.Conv2D(filters, 1, stride: stride).BatchNorm(center: false);
        return (y + shortcut).Tanh();
    }
}

/// <summary>An Inception-style block: zero padding, three branches (rectangular kernels, average pooling) joined by Concat.</summary>
[Network(3, 5, 5)]
public partial class InceptionBlockNet
{
    static Tensor Define(Tensor x)
    {
        x = x.ZeroPadding2D(1, 0, 1, 0).Conv2D(4, 3).Tanh();
        var a = x.Conv2D(2, 1).Tanh();
        var b = x.Conv2D(3, (1, 3), padding: Padding.Same).Tanh().Conv2D(3, (3, 1), padding: Padding.Same).Tanh();
        var c = x.AvgPool2D(3, stride: 1, padding: Padding.Same).Conv2D(2, 1).Tanh();
        return Tensor.Concat(a, b, c, x).GlobalAvgPool2D().Dense(3).Softmax();
    }
}

/// <summary>Grouped, depthwise and separable convolutions in a chain.</summary>
[Network(4, 6, 6)]
public partial class ConvVariantsNet
{
    static Tensor Define(Tensor x) =>
        x.Conv2D(4, 3, padding: Padding.Same, groups: 2).Tanh()
         .DepthwiseConv2D(3, depthMultiplier: 2, padding: Padding.Same).Elu()
         .SeparableConv2D(3, 3, stride: 2, padding: Padding.Same).Tanh()
         .Flatten().Dense(2);
}

/// <summary>A main output and an auxiliary head with its own loss weight, sharing a trunk.</summary>
[Network(6)]
public partial class AuxiliaryOutputNet
{
    static (Tensor, Tensor) Define(Tensor x)
    {
        var trunk = x.Dense(8).Tanh();
        var aux = trunk.Dense(3).Softmax();
        var main = trunk.Dense(5).Tanh().Dense(4).Softmax();
        return (main, aux.LossWeight(0.4));
    }
}

/// <summary>BatchNorm after a Dense layer (one value per feature), in attribute form.</summary>
[Network(5)]
[Dense(6), BatchNorm(Momentum = 0.9), Tanh, Dense(2), Linear]
public partial class DenseBatchNormNet;
