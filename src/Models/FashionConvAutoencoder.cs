namespace Unroll.Models;

/// <summary>
/// A convolutional autoencoder for 1×28×28 Fashion-MNIST images in [0, 1]: two 3×3 convolutions, each followed by a
/// 2×2 max pool, squeeze an image to an 8×7×7 code; two 3×3 convolutions, each followed by nearest-neighbour
/// upsampling, bring it back to 28×28, and a last 3×3 convolution with a sigmoid gives the one-channel image. Every
/// convolution pads to keep its size (<see cref="Padding.Same"/>). Train it on <c>dataset.AsAutoencoder()</c>.
/// </summary>
/// <remarks>
/// Size: 3,217 parameters (160 + 1,160 + 584 + 1,168 + 145); 0.71 M multiply-accumulates per image forward in the
/// convolutions (738,136 with every layer, as the summary counts them).
/// </remarks>
[Network(1, 28, 28)]
[Conv2D(16, 3, Padding = Padding.Same), Relu, MaxPool2D(2)]    // 16×14×14
[Conv2D(8, 3, Padding = Padding.Same), Relu, MaxPool2D(2)]     // 8×7×7: the code
[Conv2D(8, 3, Padding = Padding.Same), Relu, UpSampling2D(2)]  // 8×14×14
[Conv2D(16, 3, Padding = Padding.Same), Relu, UpSampling2D(2)] // 16×28×28
[Conv2D(1, 3, Padding = Padding.Same), Sigmoid]                // 1×28×28
public partial class FashionConvAutoencoder;
