using System;

namespace Unroll;

/// <summary>
/// Max and average pooling over (batch, channels, height, width). Windows start at (oy·sh − padTop, ox·sw − padLeft);
/// padded cells are skipped: max pooling never picks them and average pooling does not count them.
/// </summary>
internal static class PoolingKernels
{
    private static void Check(in Pool2DGeometry g)
    {
        if (g.Channels <= 0 || g.InHeight <= 0 || g.InWidth <= 0 || g.WindowHeight <= 0 || g.WindowWidth <= 0
            || g.StrideHeight <= 0 || g.StrideWidth <= 0 || g.OutHeight <= 0 || g.OutWidth <= 0)
            throw new ArgumentException($"Pool2D geometry has a non-positive size: {g}.", nameof(g));
    }

    /// <summary>The window's rows [y0, y1) and columns [x0, x1) clipped to the input.</summary>
    private static (int y0, int y1, int x0, int x1) Window(in Pool2DGeometry g, int oy, int ox)
    {
        int y = oy * g.StrideHeight - g.PadTop, x = ox * g.StrideWidth - g.PadLeft;
        return (Math.Max(y, 0), Math.Min(y + g.WindowHeight, g.InHeight), Math.Max(x, 0), Math.Min(x + g.WindowWidth, g.InWidth));
    }

    /// <summary>Index in the plane of the window's first largest value, or −1 for a window entirely in the padding.</summary>
    private static int ArgMax(ReadOnlySpan<float> plane, in Pool2DGeometry g, int oy, int ox)
    {
        var (y0, y1, x0, x1) = Window(g, oy, ox);
        int best = -1;
        float max = float.NegativeInfinity;
        for (int y = y0; y < y1; y++)
        {
            var row = plane.Slice(y * g.InWidth);
            for (int x = x0; x < x1; x++)
                if (row[x] > max || best < 0) { max = row[x]; best = y * g.InWidth + x; }
        }
        return best;
    }

    public static void MaxForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry g)
    {
        const string op = "MaxPool2DForward";
        Check(g);
        var x = KernelArgs.Need(input, nameof(input), batch, g.InputSize, op);
        var y = KernelArgs.Need(output, nameof(output), batch, g.OutputSize, op);
        int planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * g.OutWidth;
        for (int p = 0; p < batch * g.Channels; p++)
        {
            var plane = new ReadOnlySpan<float>(x, p * planeIn, planeIn);
            var dst = new Span<float>(y, p * planeOut, planeOut);
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    int arg = ArgMax(plane, g, oy, ox);
                    dst[oy * g.OutWidth + ox] = arg < 0 ? 0f : plane[arg];
                }
        }
    }

    public static void MaxBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry g)
    {
        const string op = "MaxPool2DBackward";
        Check(g);
        var x = KernelArgs.Need(input, nameof(input), batch, g.InputSize, op);
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, g.OutputSize, op);
        var dx = KernelArgs.Need(inputGradient, nameof(inputGradient), batch, g.InputSize, op);
        int planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * g.OutWidth;
        new Span<float>(dx, 0, batch * g.InputSize).Clear();
        for (int p = 0; p < batch * g.Channels; p++)
        {
            var plane = new ReadOnlySpan<float>(x, p * planeIn, planeIn);
            var grad = new Span<float>(dx, p * planeIn, planeIn);
            var src = new ReadOnlySpan<float>(dy, p * planeOut, planeOut);
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    int arg = ArgMax(plane, g, oy, ox);
                    if (arg >= 0) grad[arg] += src[oy * g.OutWidth + ox];
                }
        }
    }

    public static void AvgForward(FloatBuffer input, FloatBuffer output, int batch, in Pool2DGeometry g)
    {
        const string op = "AvgPool2DForward";
        Check(g);
        var x = KernelArgs.Need(input, nameof(input), batch, g.InputSize, op);
        var y = KernelArgs.Need(output, nameof(output), batch, g.OutputSize, op);
        int planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * g.OutWidth;
        for (int p = 0; p < batch * g.Channels; p++)
        {
            var plane = new ReadOnlySpan<float>(x, p * planeIn, planeIn);
            var dst = new Span<float>(y, p * planeOut, planeOut);
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    var (y0, y1, x0, x1) = Window(g, oy, ox);
                    float sum = 0f;
                    for (int yy = y0; yy < y1; yy++)
                    {
                        var row = plane.Slice(yy * g.InWidth);
                        for (int xx = x0; xx < x1; xx++) sum += row[xx];
                    }
                    int count = Math.Max(0, y1 - y0) * Math.Max(0, x1 - x0);
                    dst[oy * g.OutWidth + ox] = count == 0 ? 0f : sum / count;
                }
        }
    }

    public static void AvgBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in Pool2DGeometry g)
    {
        const string op = "AvgPool2DBackward";
        Check(g);
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, g.OutputSize, op);
        var dx = KernelArgs.Need(inputGradient, nameof(inputGradient), batch, g.InputSize, op);
        int planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * g.OutWidth;
        new Span<float>(dx, 0, batch * g.InputSize).Clear();
        for (int p = 0; p < batch * g.Channels; p++)
        {
            var grad = new Span<float>(dx, p * planeIn, planeIn);
            var src = new ReadOnlySpan<float>(dy, p * planeOut, planeOut);
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    var (y0, y1, x0, x1) = Window(g, oy, ox);
                    int count = Math.Max(0, y1 - y0) * Math.Max(0, x1 - x0);
                    if (count == 0) continue;
                    float share = src[oy * g.OutWidth + ox] / count;
                    for (int yy = y0; yy < y1; yy++)
                    {
                        var row = grad.Slice(yy * g.InWidth);
                        for (int xx = x0; xx < x1; xx++) row[xx] += share;
                    }
                }
        }
    }
}
