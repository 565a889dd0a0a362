using System;
using Xunit;

namespace Unroll.Tests.Training;

/// <summary>
/// Checks a generated network's backward pass against central finite differences of the loss with respect to every
/// trainable parameter value. The loss is the weighted sum over the network's outputs (one for a sequential network).
/// </summary>
internal static class GradientCheck
{
    /// <summary>The total loss of one forward pass; fills each output's loss gradient (already weighted) when asked.</summary>
    private static double Loss(INetwork net, Loss loss, float[][] targets, int batch, bool logits, bool training, float[][]? gradients)
    {
        net.Forward(batch, training);
        var total = 0.0;
        for (var k = 0; k < net.Outputs.Count; k++)
        {
            var output = net.Outputs[k];
            var size = output.Output.Length / net.Capacity;
            var prediction = new float[batch * size];
            net.Backend.Download(logits ? output.Logits : output.Output, 0, prediction);
            var gradient = new float[prediction.Length];
            var value = logits
                ? loss.ComputeFromLogits(prediction, targets[k], gradient, batch, size)
                : loss.Compute(prediction, targets[k], gradient, batch, size);
            total += output.LossWeight * value;
            if (gradients is null) continue;
            for (var i = 0; i < gradient.Length; i++) gradient[i] *= output.LossWeight;
            gradients[k] = gradient;
        }
        return total;
    }

    /// <summary>
    /// Runs forward and backward once, then perturbs every trainable parameter value. With <paramref name="training"/>,
    /// every pass is a training pass (BatchNorm uses batch statistics; its running statistics change but do not affect
    /// training-mode outputs); networks checked that way must not use dropout, whose masks change every training pass.
    /// </summary>
    public static void CheckAllParameters<TNet>(Loss loss, float[][] targets, int batch, bool fused, bool training = false, int seed = 3)
        where TNet : INetwork<TNet>
    {
        var net = TNet.Create(batch, CpuBackend.Shared, seed);
        Assert.Equal(targets.Length, net.Outputs.Count);
        var random = new Random(seed);
        var inputs = new float[batch * TNet.InputSize];
        for (var i = 0; i < inputs.Length; i++) inputs[i] = (float)(random.NextDouble() * 2 - 1);
        net.Backend.Upload(inputs, net.Input);

        // Analytic gradients from the generated backward pass.
        var gradients = new float[net.Outputs.Count][];
        Loss(net, loss, targets, batch, fused, training, gradients);
        for (var k = 0; k < gradients.Length; k++) net.Backend.Upload(gradients[k], net.Outputs[k].OutputGradient);
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
                    var plus = Loss(net, loss, targets, batch, fused, training, null);
                    values[i] = saved - h;
                    var minus = Loss(net, loss, targets, batch, fused, training, null);
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
        Assert.Equal(TNet.TrainableParameterCount, checkedValues);
    }
}
