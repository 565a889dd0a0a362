using System;

namespace Unroll;

/// <summary>
/// Nearest-neighbour upsampling of (batch, channels, height, width) tensors by whole factors. Forward writes each input
/// row once, widened, then copies it to the other rows of its block; backward sums each block in a fixed order, so
/// results repeat bit for bit.
/// </summary>
internal static class UpSamplingKernels
{
    private static void Check(in UpSampling2DGeometry g)
    {
        if (g.Channels < 0 || g.InHeight < 0 || g.InWidth < 0 || g.FactorHeight < 1 || g.FactorWidth < 1
            || (long)g.Channels * g.InHeight * g.FactorHeight * g.InWidth * g.FactorWidth > int.MaxValue)
            throw new ArgumentException(
                $"UpSampling2D: a ({g.Channels}, {g.InHeight}, {g.InWidth}) input by factors ({g.FactorHeight}, {g.FactorWidth}) is not a valid geometry.");
    }

    public static void Forward(FloatBuffer input, FloatBuffer output, int batch, in UpSampling2DGeometry g)
    {
        const string op = "UpSampling2DForward";
        Check(g);
        var x = KernelArgs.Need(input, nameof(input), batch, g.InputSize, op);
        var y = KernelArgs.Need(output, nameof(output), batch, g.OutputSize, op);
        int outWidth = g.OutWidth, planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * outWidth;
        for (int p = 0; p < batch * g.Channels; p++)
        {
            for (int r = 0; r < g.InHeight; r++)
            {
                var source = new ReadOnlySpan<float>(x, p * planeIn + r * g.InWidth, g.InWidth);
                var first = new Span<float>(y, p * planeOut + r * g.FactorHeight * outWidth, outWidth);
                if (g.FactorWidth == 1)
                {
                    source.CopyTo(first);
                }
                else
                {
                    for (int c = 0; c < source.Length; c++) first.Slice(c * g.FactorWidth, g.FactorWidth).Fill(source[c]);
                }
                for (int k = 1; k < g.FactorHeight; k++) first.CopyTo(new Span<float>(y, p * planeOut + (r * g.FactorHeight + k) * outWidth, outWidth));
            }
        }
    }

    public static void Backward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in UpSampling2DGeometry g)
    {
        const string op = "UpSampling2DBackward";
        Check(g);
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, g.OutputSize, op);
        var dx = KernelArgs.Need(inputGradient, nameof(inputGradient), batch, g.InputSize, op);
        int outWidth = g.OutWidth, planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * outWidth;
        for (int p = 0; p < batch * g.Channels; p++)
        {
            for (int r = 0; r < g.InHeight; r++)
            {
                var target = new Span<float>(dx, p * planeIn + r * g.InWidth, g.InWidth);
                target.Clear();
                for (int k = 0; k < g.FactorHeight; k++)
                {
                    var row = new ReadOnlySpan<float>(dy, p * planeOut + (r * g.FactorHeight + k) * outWidth, outWidth);
                    for (int c = 0; c < target.Length; c++)
                    {
                        var sum = 0f;
                        foreach (var v in row.Slice(c * g.FactorWidth, g.FactorWidth)) sum += v;
                        target[c] += sum;
                    }
                }
            }
        }
    }
}
