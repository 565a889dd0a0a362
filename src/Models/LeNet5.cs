namespace Unroll.Models;

/// <summary>
/// LeNet-5 (LeCun et al., 1998) in its modern form for 28×28 single-channel images: the first convolution pads by 2
/// ("same") to recover the original 32×32 receptive field, ReLU replaces the scaled tanh, max pooling replaces
/// subsampling and a softmax replaces the RBF output layer.
/// </summary>
[Network(1, 28, 28)]
[Conv2D(6, 5, Padding = Padding.Same), Relu, MaxPool2D(2)]
[Conv2D(16, 5), Relu, MaxPool2D(2)]
[Flatten, Dense(120), Relu, Dense(84), Relu, Dense(10), Softmax]
public partial class LeNet5;
