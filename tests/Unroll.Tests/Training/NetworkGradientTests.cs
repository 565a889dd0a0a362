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

        // float32 central differences: step 1e-2 keeps rounding error (≈1e-7/1e-2) well below the second-order
        // truncation error (≈h²·f'''); a wrong wire or a missing term gives errors of the gradient's own size.
        const float h = 1e-2f;
        var checkedValues = 0;
        foreach (var parameter in net.Parameters)
        {
            var values = parameter.Value.Span;
            var analytic = parameter.Gradient.Span.ToArray();
            for (var i = 0; i < values.Length; i++)
            {
                var saved = values[i];
                values[i] = saved + h;
                var plus = LossAt(net, loss, inputs, targets, batch, fused);
                values[i] = saved - h;
                var minus = LossAt(net, loss, inputs, targets, batch, fused);
                values[i] = saved;
                var numeric = (plus - minus) / (2 * h);
                var tolerance = 2e-3 + 2e-2 * Math.Abs(numeric);
                Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance,
                    $"{parameter.Name}[{i}]: backward gives {analytic[i]:G6}, finite differences {numeric:G6}");
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
