namespace Unroll;

/// <summary>Averages each channel over its whole height and width: (channels, height, width) → (channels).</summary>
/// <example><c>[GlobalAvgPool2D, Dense(10), Softmax]</c></example>
public sealed class GlobalAvgPool2DAttribute : LayerAttribute;
