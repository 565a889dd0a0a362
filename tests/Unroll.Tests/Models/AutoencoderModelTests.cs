using Unroll.Models;
using Xunit;

namespace Unroll.Tests.Models;

/// <summary>The autoencoders' sizes, counted by hand, their shapes (output shaped like the input) and one training step.</summary>
[Collection(nameof(NoAllocation))]
public class AutoencoderModelTests
{
    // Dense(n → m) has n·m weights and m biases:
    //   784·128 + 128 = 100,480;  128·32 + 32 = 4,128;  32·128 + 128 = 4,224;  128·784 + 784 = 101,136.
    //   100,480 + 4,128 + 4,224 + 101,136 = 209,968.
    [Fact]
    public void FashionAutoencoder_has_the_counted_parameters_and_gives_back_784_values()
    {
        Assert.Equal(209_968, FashionAutoencoder.ParameterCount);
        Assert.Equal(209_968, FashionAutoencoder.TrainableParameterCount);
        Assert.Equal([784], FashionAutoencoder.InputShape.ToArray());
        Assert.Equal([784], FashionAutoencoder.OutputShape.ToArray());
        Assert.Equal(Activation.Sigmoid, ZooTests.Build<FashionAutoencoder>().OutputActivation);
    }

    // Conv2D(in → out, 3×3) has 9·in·out weights and out biases; pooling and upsampling have none:
    //   1 → 16: 144 + 16 = 160;  16 → 8: 1,152 + 8 = 1,160;  8 → 8: 576 + 8 = 584;  8 → 16: 1,152 + 16 = 1,168;
    //   16 → 1: 144 + 1 = 145.   160 + 1,160 + 584 + 1,168 + 145 = 3,217.
    [Fact]
    public void FashionConvAutoencoder_has_the_counted_parameters_and_gives_back_an_image()
    {
        Assert.Equal(3_217, FashionConvAutoencoder.ParameterCount);
        Assert.Equal(3_217, FashionConvAutoencoder.TrainableParameterCount);
        Assert.Equal([1, 28, 28], FashionConvAutoencoder.InputShape.ToArray());
        Assert.Equal([1, 28, 28], FashionConvAutoencoder.OutputShape.ToArray());
        Assert.Equal(Activation.Sigmoid, ZooTests.Build<FashionConvAutoencoder>().OutputActivation);
    }

    [Fact]
    public void Autoencoder_steps_allocate_nothing()
    {
        AssertStepAllocatesNothing<FashionAutoencoder>();
        AssertStepAllocatesNothing<FashionConvAutoencoder>();
    }

    private static void AssertStepAllocatesNothing<T>() where T : INetwork<T>
    {
        var network = ZooTests.Build<T>();
        NoAllocation.Assert(() =>
        {
            network.Forward(1, training: true);
            network.Backward(1, outputGradientIsForLogits: true);
        }, warmUps: 1, runs: 1);
    }
}
