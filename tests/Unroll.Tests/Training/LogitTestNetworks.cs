namespace Unroll.Tests.Training;

// Networks that end in raw scores (logits), twins of the softmax- and sigmoid-ended test networks, for losses created
// with fromLogits: true and for the checks that refuse a loss on the wrong kind of output.

/// <summary><see cref="SmoothNet"/> without its final Softmax: the same layers and parameters, three logits out.</summary>
[Network(2, 7, 7)]
[Conv2D(3, 3, Padding = Padding.Same), Tanh, AvgPool2D(2, Stride = 1)]
[Conv2D(4, 2, Stride = 2), Elu, MaxPool2D(2, Padding = Padding.Same)]
[Flatten, Dense(5), Sigmoid, Dense(3)]
public partial class SmoothLogitNet;

/// <summary><see cref="BinaryNet"/> without its final Sigmoid: one logit out.</summary>
[Network(2)]
[Dense(16), Tanh, Dense(1)]
public partial class BinaryLogitNet;

/// <summary>Like <see cref="AuxiliaryOutputNet"/>, but the auxiliary head forgot its Softmax while the main output has it.</summary>
[Network(6)]
public partial class AuxiliaryLogitHeadNet
{
    static (Tensor, Tensor) Define(Tensor x)
    {
        var trunk = x.Dense(8).Tanh();
        var aux = trunk.Dense(3);
        var main = trunk.Dense(5).Tanh().Dense(4).Softmax();
        return (main, aux.LossWeight(0.4));
    }
}
