namespace Unroll;

/// <summary>Joining tensors along channels. Part of <see cref="IBackend"/>.</summary>
public interface IMergingOperations
{
    /// <summary>
    /// Copies each sample's (inputChannels, spatial) block into channels [channelOffset, channelOffset + inputChannels)
    /// of the (outputChannels, spatial) output: one input of a concatenation along channels.
    /// </summary>
    void ConcatChannelsForward(FloatBuffer input, FloatBuffer output, int batch, in ConcatGeometry geometry);

    /// <summary>The gradient of one concatenated input: channels [channelOffset, channelOffset + inputChannels) of the output gradient.</summary>
    void ConcatChannelsBackward(FloatBuffer outputGradient, FloatBuffer inputGradient, int batch, in ConcatGeometry geometry);
}
