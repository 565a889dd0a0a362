using System;

namespace Unroll;

/// <summary>
/// Base of every layer attribute. Layers apply in the order they are written on the class,
/// left to right within one attribute list and top to bottom across lists.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public abstract class LayerAttribute : Attribute
{
    /// <summary>
    /// The layer's name, used for its parameters (<c>dense_1.weight</c>) and in the summary.
    /// Defaults to Keras-style <c>kind_n</c>, numbered per kind from 1: <c>dense_1</c>, <c>conv2d_2</c>.
    /// </summary>
    public string? Name { get; set; }
}
