using System;

namespace Unroll;

/// <summary>
/// Concatenation along channels of (batch, channels, spatial) tensors, one input at a time: per sample, the input's
/// contiguous (inputChannels·spatial) block maps to one contiguous block of the output at channelOffset·spatial.
/// </summary>
internal static class ConcatKernels
{
    private static void Check(int batch, int inputChannels, int outputChannels, int channelOffset, int spatial)
    {
        if (batch < 0 || inputChannels < 0 || spatial < 0 || channelOffset < 0 || (long)channelOffset + inputChannels > outputChannels)
            throw new ArgumentException(
                $"Concat: channels [{channelOffset}, {(long)channelOffset + inputChannels}) must lie inside the output's {outputChannels} channels (batch {batch}, spatial {spatial}).");
    }

    public static void Forward(FloatBuffer input, FloatBuffer output, int batch, int inputChannels, int outputChannels, int channelOffset, int spatial)
    {
        const string op = "ConcatChannelsForward";
        Check(batch, inputChannels, outputChannels, channelOffset, spatial);
        var x = KernelArgs.Need(input, nameof(input), batch, inputChannels * spatial, op);
        var y = KernelArgs.Need(output, nameof(output), batch, outputChannels * spatial, op);
        int block = inputChannels * spatial, outSample = outputChannels * spatial, offset = channelOffset * spatial;
        for (int n = 0; n < batch; n++)
            new ReadOnlySpan<float>(x, n * block, block).CopyTo(new Span<float>(y, n * outSample + offset, block));
    }

    public static void Backward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, int inputChannels, int outputChannels, int channelOffset, int spatial)
    {
        const string op = "ConcatChannelsBackward";
        Check(batch, inputChannels, outputChannels, channelOffset, spatial);
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, outputChannels * spatial, op);
        var dx = KernelArgs.Need(inputGradient, nameof(inputGradient), batch, inputChannels * spatial, op);
        int block = inputChannels * spatial, outSample = outputChannels * spatial, offset = channelOffset * spatial;
        for (int n = 0; n < batch; n++)
            new ReadOnlySpan<float>(dy, n * outSample + offset, block).CopyTo(new Span<float>(dx, n * block, block));
    }
}
