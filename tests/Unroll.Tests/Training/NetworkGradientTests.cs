using System;
using Xunit;

namespace Unroll.Tests.Training;

/// <summary>
/// Checks the generated backward pass of whole networks (every layer's wiring, not just each kernel) against
/// central finite differences of the loss with respect to every parameter value.
/// </summary>
public sealed class NetworkGradientTests
{
    private static double LossAt<TNet>(TNet net, Loss loss, float[] inputs, float[] targets, int batch, bool logits)
        where TNet : INetwork<TNet>
    {
        net.Backend.Upload(inputs, net.Input);
        net.Forward(batch, training: false);
        var prediction = new float[batch * TNet.OutputSize];
        net.Backend.Download(logits ? net.Logits : net.Output, 0, prediction);
        var gradient = new float[prediction.Length];
        return logits
            ? loss.ComputeFromLogits(prediction, targets, gradient, batch, TNet.OutputSize)
            : loss.Compute(prediction, targets, gradient, batch, TNet.OutputSize);
    }

    private static void CheckAllParameters<TNet>(Loss loss, float[] targets, int batch, bool fused, int seed = 3)
        where TNet : INetwork<TNet>
    {
        var net = TNet.Create(batch, CpuBackend.Shared, seed);
        var random = new Random(seed);
        var inputs = new float[batch * TNet.InputSize];
        for (var i = 0; i < inputs.Length; i++) inputs[i] = (float)(random.NextDouble() * 2 - 1);

        // Analytic gradients from the generated backward pass.
        net.Backend.Upload(inputs, net.Input);
        net.Forward(batch, training: false);
        var prediction = new float[batch * TNet.OutputSize];
        net.Backend.Download(fused ? net.Logits : net.Output, 0, prediction);
        var outputGradient = new float[prediction.Length];
        if (fused) loss.ComputeFromLogits(prediction, targets, outputGradient, batch, TNet.OutputSize);
        else loss.Compute(prediction, targets, outputGradient, batch, TNet.OutputSize);
        net.Backend.Upload(outputGradient, net.OutputGradient);
        net.Backward(batch, outputGradientIsForLogits: fused);

        // float32 central differences: a step of 3e-3 keeps rounding error (≈1e-7/3e-3) well below the tolerance, and a
        // wrong wire or a missing term gives errors of the gradient's own size. Max pooling is not differentiable where
        // two window values cross; a step that crosses one is retried with a smaller step, which must then agree.
        var checkedValues = 0;
        foreach (var parameter in net.Parameters)
        {
            var values = ((CpuBuffer)parameter.Value).Array;
            var analytic = parameter.Gradient.Span.ToArray();
            for (var i = 0; i < values.Length; i++)
            {
                double Numeric(float h)
                {
                    var saved = values[i];
                    values[i] = saved + h;
                    var plus = LossAt(net, loss, inputs, targets, batch, fused);
                    values[i] = saved - h;
                    var minus = LossAt(net, loss, inputs, targets, batch, fused);
                    values[i] = saved;
                    return (plus - minus) / (2 * h);
                }
                bool Agrees(double numeric) => Math.Abs(numeric - analytic[i]) <= 2e-3 + 2e-2 * Math.Abs(numeric);

                var numeric = Numeric(3e-3f);
                if (!Agrees(numeric)) numeric = Numeric(1e-3f);
                Assert.True(Agrees(numeric), $"{parameter.Name}[{i}]: backward gives {analytic[i]:G6}, finite differences {numeric:G6}");
                checkedValues++;
            }
        }
        Assert.Equal(TNet.ParameterCount, checkedValues);
    }

    [Fact]
    public void Conv_pool_dense_softmax_network_with_fused_cross_entropy()
    {
        // Labels for a batch of 3.
        CheckAllParameters<SmoothNet>(new SparseCategoricalCrossEntropy(), [2, 0, 1], batch: 3, fused: true);
    }

    [Fact]
    public void Conv_pool_dense_softmax_network_through_the_softmax_backward()
    {
        float[] oneHot = [0, 0, 1, 1, 0, 0, 0, 1, 0];
        CheckAllParameters<SmoothNet>(new CategoricalCrossEntropy(), oneHot, batch: 3, fused: false);
    }

    [Fact]
    public void Regression_network_with_dropout_in_inference_mode()
    {
        CheckAllParameters<RegressionNet>(new MeanSquaredError(), [0.5f, -1, 2, 0.25f, 1, 1, -0.5f, 0], batch: 4, fused: false);
    }

    [Fact]
    public void Sigmoid_network_with_fused_binary_cross_entropy()
    {
        CheckAllParameters<BinaryNet>(new BinaryCrossEntropy(), [1, 0, 0, 1], batch: 4, fused: true);
    }
}
