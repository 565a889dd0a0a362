namespace Unroll.Tests.Training;

// Small networks compiled by the real generator, for end-to-end checks of the generated passes.

/// <summary>Every layer kind with a smooth activation, so that finite differences are meaningful everywhere.</summary>
[Network(2, 7, 7)]
[Conv2D(3, 3, Padding = Padding.Same), Tanh, AvgPool2D(2, Stride = 1)]
[Conv2D(4, 2, Stride = 2), Elu, MaxPool2D(2, Padding = Padding.Same)]
[Flatten, Dense(5), Sigmoid, Dense(3), Softmax]
public partial class SmoothNet;

/// <summary>A regression net with dropout, a constant scale and a linear output.</summary>
[Network(4)]
[Dense(8), LeakyRelu(0.1), Dropout(0.25)]
[Dense(2), Scale(0.5), Linear]
public partial class RegressionNet;

/// <summary>A binary classifier ending in a sigmoid, for the fused binary cross-entropy path.</summary>
[Network(2)]
[Dense(16), Tanh, Dense(1), Sigmoid]
public partial class BinaryNet;

/// <summary>A classifier with every kind of training state a resumed run must restore: BatchNorm statistics and dropout.</summary>
[Network(2)]
[Dense(16), BatchNorm, Relu, Dropout(0.3)]
[Dense(2), Softmax]
public partial class ResumableNet;
