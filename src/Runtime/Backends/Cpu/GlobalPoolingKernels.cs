using System;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>Global average pooling: each (sample, channel) plane of <c>spatial</c> values becomes its mean.</summary>
internal static class GlobalPoolingKernels
{
    public static void AvgForward(FloatBuffer input, FloatBuffer output, int batch, int channels, int spatial)
    {
        const string op = "GlobalAvgPool2DForward";
        if (spatial <= 0) throw new ArgumentOutOfRangeException(nameof(spatial), $"{op}: spatial must be positive, got {spatial}.");
        var x = KernelArgs.Need(input, nameof(input), batch, channels * spatial, op);
        var y = KernelArgs.Need(output, nameof(output), batch, channels, op);
        float scale = 1f / spatial;
        // TensorPrimitives.Sum keeps many partial sums in vector lanes, so its error grows with spatial/lanes, not spatial.
        for (int p = 0; p < batch * channels; p++)
            y[p] = TensorPrimitives.Sum(new ReadOnlySpan<float>(x, p * spatial, spatial)) * scale;
    }

    public static void AvgBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int channels, int spatial)
    {
        const string op = "GlobalAvgPool2DBackward";
        if (spatial <= 0) throw new ArgumentOutOfRangeException(nameof(spatial), $"{op}: spatial must be positive, got {spatial}.");
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, channels, op);
        var dx = KernelArgs.Need(inputGradient, nameof(inputGradient), batch, channels * spatial, op);
        float scale = 1f / spatial;
        for (int p = 0; p < batch * channels; p++)
            new Span<float>(dx, p * spatial, spatial).Fill(dy[p] * scale);
    }
}
