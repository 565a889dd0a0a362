namespace Unroll.Models;

/// <summary>
/// AlexNet (Krizhevsky, Sutskever and Hinton, 2012) as torchvision's <c>torchvision.models.alexnet()</c>, the single-tower
/// variant of "One weird trick" (Krizhevsky, 2014): five convolutions with bias and ReLU, three 3×3/2 max pools, two
/// 4096-unit layers behind dropout 0.5, and 1000 classes. Input (3, 224, 224).
/// </summary>
/// <remarks>
/// <para>
/// torchvision pads the 11×11/4 first convolution by 2 (224 → 55) and puts <c>AdaptiveAvgPool2d((6, 6))</c> before the
/// classifier; at 224×224 the last pool already yields 6×6, so that layer is the identity and is left out here.
/// A softmax is added to torchvision's logits.
/// </para>
/// <para>Parameters: 61,100,840, as torchvision lists for <c>AlexNet_Weights.IMAGENET1K_V1</c>; no BatchNorm, so all are trainable.</para>
/// </remarks>
[Network(3, 224, 224)]
public partial class AlexNet
{
    static Tensor Define(Tensor x)
    {
        // The first convolution's window never reaches the last input row and column (224 + 2·2 − 11 is not a multiple
        // of 4), exactly as in torchvision.
        x = x.Conv2D(64, 11, stride: 4, pad: 2).Relu().MaxPool2D(3, stride: 2);
        x = x.Conv2D(192, 5, pad: 2).Relu().MaxPool2D(3, stride: 2);
        x = x.Conv2D(384, 3, pad: 1).Relu();
        x = x.Conv2D(256, 3, pad: 1).Relu();
        x = x.Conv2D(256, 3, pad: 1).Relu().MaxPool2D(3, stride: 2);
        x = x.Flatten();
        x = x.Dropout(0.5).Dense(4096).Relu();
        x = x.Dropout(0.5).Dense(4096).Relu();
        return x.Dense(1000).Softmax();
    }
}
