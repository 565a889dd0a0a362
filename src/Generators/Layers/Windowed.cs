using System;
using System.Collections.Generic;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>
/// What convolutions and pooling share: a kernel or window slid over an image with a stride and padding, and the rule
/// for where it goes (<see cref="Window"/>).
/// </summary>
internal abstract record Windowed(int KernelHeight, int KernelWidth, int Stride, Padding Padding, int Pad) : Layer
{
    /// <summary>A convolution (a kernel; the stride must be at least 1) rather than a pooling window (stride 0 is the window size).</summary>
    protected abstract bool IsConvolution { get; }

    public override InputSpec Input => InputSpec.Image;

    public override void CheckArguments(LayerContext context)
    {
        var conv = IsConvolution;
        if (KernelHeight <= 0 || KernelWidth <= 0)
            context.Invalid(conv ? $"a {KernelHeight}×{KernelWidth} kernel" : $"size {KernelHeight}",
                conv ? "kernel sizes must be at least 1" : "the window size must be at least 1");
        if (conv ? Stride <= 0 : Stride < 0)
            context.Invalid($"Stride = {Stride}", conv ? "the stride must be at least 1" : "the stride must be at least 1 (or 0 for the window size)");
        if (Padding is not (Padding.Valid or Padding.Same))
            context.Invalid($"Padding = {(int)Padding}", "padding must be Padding.Valid or Padding.Same");
        if (Pad < 0) context.Invalid($"Pad = {Pad}", "Pad must be 0 or more");
        if (Pad != 0 && Padding == Padding.Same)
            context.Invalid($"both Pad = {Pad} and Padding = Padding.Same", "use one of them: Padding.Same computes the padding, Pad gives it explicitly");
        if (!conv && Pad > 0 && KernelHeight > 0 && 2L * Pad > KernelHeight)
            context.Invalid($"Pad = {Pad} with a window of {KernelHeight}", "a pooling window's Pad must be at most half its size, or some windows would hold only padding");
    }

    /// <summary>Output size and padding of the window over <paramref name="input"/>, or null after reporting one that does not fit.</summary>
    protected WindowGeometry? Window(LayerContext context, Shape input)
    {
        // In longs: with arguments up to int.MaxValue, n + 2·pad and n + s − 1 overflow an int.
        long kh = KernelHeight;
        long kw = KernelWidth;
        long stride = Stride == 0 ? kh : Stride;
        long height = input.Height, width = input.Width;
        string Plain(long v) => LayerContext.Plain(v);

        // The kernels index the padded input with ints, so its extent must fit in one, as a buffer's length does.
        bool Fits(long padded, long size, long padding, string side)
        {
            if (padded <= int.MaxValue) return true;
            context.TooLarge(LayerContext.Grouped(padded), $"the {side} of its padded input ({LayerContext.Grouped(size)} + {LayerContext.Grouped(padding)} of padding)");
            return false;
        }

        if (Padding == Padding.Same)
        {
            // TensorFlow's rule: out = ceil(n / s); the total padding is split with the extra row/column on the bottom/right.
            var outH = (height + stride - 1) / stride;
            var outW = (width + stride - 1) / stride;
            var padH = Math.Max((outH - 1) * stride + kh - height, 0);
            var padW = Math.Max((outW - 1) * stride + kw - width, 0);
            if (!Fits(height + padH, height, padH, "rows") || !Fits(width + padW, width, padW, "columns")) return null;
            var text = padH == padW && padH % 2 == 0 ? $"same (pad {Plain(padH / 2)})" : $"same (pad top {Plain(padH / 2)}, left {Plain(padW / 2)}, total {Plain(padH)}×{Plain(padW)})";
            return new WindowGeometry((int)kh, (int)kw, (int)stride, (int)(padH / 2), (int)(padW / 2), (int)outH, (int)outW, text);
        }

        long pad = Pad;
        if (!Fits(height + 2 * pad, height, 2 * pad, "rows") || !Fits(width + 2 * pad, width, 2 * pad, "columns")) return null;
        if (height + 2 * pad < kh || width + 2 * pad < kw)
        {
            context.Report(DiagnosticDescriptors.WindowLargerThanInput, context.Kind, context.Name,
                $"{kh}×{kw}", IsConvolution ? "kernel" : "window", input.ToString(), Plain(pad));
            return null;
        }
        var outHeight = (height - kh + 2 * pad) / stride + 1;
        var outWidth = (width - kw + 2 * pad) / stride + 1;
        // Only input rows count: unread padding (the bottom/right border) is no loss.
        var unusedRows = Math.Max((height - kh + 2 * pad) % stride - pad, 0);
        var unusedColumns = Math.Max((width - kw + 2 * pad) % stride - pad, 0);
        // A window smaller than its stride skips rows between windows by design (a strided 1×1 projection), so the last
        // ones are no news. Pooling is never reported: every framework floors a 2×2 pool over an odd map without comment.
        if (IsConvolution && ((unusedRows != 0 && kh >= stride) || (unusedColumns != 0 && kw >= stride)))
        {
            context.Report(DiagnosticDescriptors.StrideLeavesInputUnused, context.Kind, context.Name,
                $"{kh}×{kw}", Plain(stride), Plain(height), Plain(width), Plain(pad), Plain(unusedRows), Plain(unusedColumns));
        }
        return new WindowGeometry((int)kh, (int)kw, (int)stride, (int)pad, (int)pad, (int)outHeight, (int)outWidth, pad == 0 ? "valid" : $"pad {Plain(pad)}");
    }

    /// <summary>A <c>Conv2DGeometry</c> initializer.</summary>
    protected static string ConvGeometry(Shape input, int outChannels, WindowGeometry g, int groups)
    {
        string Int(int v) => StepWriter.Int(v);
        return $"new global::Unroll.Conv2DGeometry({Int(input.Channels)}, {Int(input.Height)}, {Int(input.Width)}, {Int(outChannels)}, {Int(g.KernelHeight)}, {Int(g.KernelWidth)}, {Int(g.Stride)}, {Int(g.Stride)}, {Int(g.PadTop)}, {Int(g.PadLeft)}, {Int(g.OutHeight)}, {Int(g.OutWidth)}{(groups == 1 ? "" : ", " + Int(groups))})";
    }

    /// <summary>Multiply-adds of a convolution: every output value sums a window over its group's input channels.</summary>
    protected static long ConvMultiplyAdds(Shape output, long inChannelsPerGroup, WindowGeometry g)
        => (long)output.Size * inChannelsPerGroup * g.KernelHeight * g.KernelWidth;
}
