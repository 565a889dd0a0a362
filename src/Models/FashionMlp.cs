namespace Unroll.Models;

/// <summary>
/// A multilayer perceptron for 28×28 Fashion-MNIST images given as 784 values in [0, 1]:
/// 784 → 256 → 128 → 10 with ReLU and a softmax output.
/// </summary>
[Network(784)]
[Dense(256), Relu]
[Dense(128), Relu]
[Dense(10), Softmax]
public partial class FashionMlp;
