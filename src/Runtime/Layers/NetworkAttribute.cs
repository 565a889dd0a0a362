using System;

namespace Unroll;

/// <summary>
/// Marks a <c>partial</c> class as a network and gives the shape of one input sample:
/// <c>[Network(784)]</c> for vectors, <c>[Network(1, 28, 28)]</c> for images as (channels, height, width).
/// The source generator then emits the network's forward and backward passes with every dimension fixed.
/// </summary>
/// <example>
/// <code>
/// [Network(784)]
/// [Dense(256), Relu]
/// [Dense(10), Softmax]
/// public partial class TinyMlp { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <param name="shape">The input sample's shape, without the batch dimension.</param>
    public NetworkAttribute(params int[] shape) => Shape = shape;

    /// <summary>The input sample's shape, without the batch dimension.</summary>
    public int[] Shape { get; }
}
