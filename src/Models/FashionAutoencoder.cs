namespace Unroll.Models;

/// <summary>
/// A dense autoencoder for 28×28 Fashion-MNIST images given as 784 values in [0, 1]: 784 → 128 → 32 → 128 → 784, ReLU
/// between the layers and a sigmoid output, so that each output is a pixel intensity. The 32 values in the middle are
/// the code the encoder squeezes an image into. Train it on <c>dataset.AsAutoencoder()</c>.
/// </summary>
/// <remarks>Size: 209,968 parameters (100,480 + 4,128 + 4,224 + 101,136).</remarks>
/// <example><code>
/// var net = new FashionAutoencoder(capacity: 32, seed: 1);
/// var trainer = new Trainer&lt;FashionAutoencoder&gt;(net, new BinaryCrossEntropy(), new Adam());
/// trainer.Fit(train.AsAutoencoder(), new FitOptions { Epochs = 5 });
/// </code></example>
[Network(784)]
[Dense(128), Relu, Dense(32), Relu]      // encoder
[Dense(128), Relu, Dense(784), Sigmoid]  // decoder
public partial class FashionAutoencoder;
