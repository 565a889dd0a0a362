namespace Unroll;

/// <summary>Reshapes (channels, height, width) into one vector of channels·height·width features, in that order. Costs nothing at run time.</summary>
public sealed class FlattenAttribute : LayerAttribute;
