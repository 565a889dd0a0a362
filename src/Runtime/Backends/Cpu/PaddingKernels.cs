using System;

namespace Unroll;

/// <summary>
/// Zero padding of (batch, channels, height, width) tensors: input cell (y, x) lands at (y + padTop, x + padLeft) of an
/// (outHeight, outWidth) plane; the bottom and right borders are whatever is left over (possibly different from top/left).
/// </summary>
internal static class PaddingKernels
{
    private static void Check(int channels, int inHeight, int inWidth, int padTop, int padLeft, int outHeight, int outWidth)
    {
        if (channels < 0 || inHeight < 0 || inWidth < 0 || padTop < 0 || padLeft < 0
            || (long)padTop + inHeight > outHeight || (long)padLeft + inWidth > outWidth)
            throw new ArgumentException(
                $"ZeroPadding2D: a ({channels}, {inHeight}, {inWidth}) input padded by top {padTop} / left {padLeft} does not fit a ({outHeight}, {outWidth}) output.");
    }

    public static void Forward(FloatBuffer input, FloatBuffer output, int batch, int channels, int inHeight, int inWidth,
        int padTop, int padLeft, int outHeight, int outWidth)
    {
        const string op = "ZeroPadding2DForward";
        Check(channels, inHeight, inWidth, padTop, padLeft, outHeight, outWidth);
        var x = KernelArgs.Need(input, nameof(input), batch, channels * inHeight * inWidth, op);
        var y = KernelArgs.Need(output, nameof(output), batch, channels * outHeight * outWidth, op);
        int planeIn = inHeight * inWidth, planeOut = outHeight * outWidth;
        for (int p = 0; p < batch * channels; p++)
        {
            var dst = new Span<float>(y, p * planeOut, planeOut);
            // Top rows and the left border of the first input row; then per row: the row, its right border and the
            // next row's left border (contiguous); then the bottom rows.
            dst.Slice(0, padTop * outWidth + padLeft).Clear();
            int gap = outWidth - inWidth;
            for (int r = 0; r < inHeight; r++)
            {
                int at = (padTop + r) * outWidth + padLeft;
                new ReadOnlySpan<float>(x, p * planeIn + r * inWidth, inWidth).CopyTo(dst.Slice(at));
                dst.Slice(at + inWidth, r == inHeight - 1 ? planeOut - at - inWidth : gap).Clear();
            }
            if (inHeight == 0) dst.Clear();
        }
    }

    public static void Backward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int channels, int inHeight, int inWidth,
        int padTop, int padLeft, int outHeight, int outWidth)
    {
        const string op = "ZeroPadding2DBackward";
        Check(channels, inHeight, inWidth, padTop, padLeft, outHeight, outWidth);
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, channels * outHeight * outWidth, op);
        var dx = KernelArgs.Need(inputGradient, nameof(inputGradient), batch, channels * inHeight * inWidth, op);
        int planeIn = inHeight * inWidth, planeOut = outHeight * outWidth;
        for (int p = 0; p < batch * channels; p++)
            for (int r = 0; r < inHeight; r++)
                new ReadOnlySpan<float>(dy, p * planeOut + (padTop + r) * outWidth + padLeft, inWidth)
                    .CopyTo(new Span<float>(dx, p * planeIn + r * inWidth, inWidth));
    }
}
