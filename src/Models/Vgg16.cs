namespace Unroll.Models;

/// <summary>
/// VGG-16 (Simonyan and Zisserman, 2014, configuration D) as Keras's <c>keras.applications.VGG16(include_top=True)</c>:
/// thirteen 3×3 "same" convolutions with bias and ReLU in five blocks (64, 128, 256, 512, 512 filters), each block
/// ending in a 2×2 max pool, then two 4096-unit layers and 1000 classes. Input (3, 224, 224).
/// </summary>
/// <remarks>
/// Keras's top has no dropout (the paper's and torchvision's do; dropout has no parameters). Parameters: 138,357,544,
/// Keras's <c>VGG16().summary()</c> "Total params" (torchvision's <c>vgg16</c> has the same count); all trainable.
/// </remarks>
[Network(3, 224, 224)]
public partial class Vgg16
{
    static Tensor Define(Tensor x)
    {
        // (filters, convolutions) per block.
        foreach (var (filters, convolutions) in new[] { (64, 2), (128, 2), (256, 3), (512, 3), (512, 3) })
        {
            for (var i = 0; i < convolutions; i++) x = x.Conv2D(filters, 3, padding: Padding.Same).Relu();
            x = x.MaxPool2D(2);
        }
        x = x.Flatten();
        x = x.Dense(4096).Relu();
        x = x.Dense(4096).Relu();
        return x.Dense(1000).Softmax();
    }
}
