using System;
using System.Collections.Generic;

namespace Unroll.Generators.Layers;

/// <summary>
/// A layer's arguments by name, however they were written: an attribute's constructor arguments and named properties,
/// or a Tensor method call's parameters (the compiler supplies the defaults of those left out). Names compare ignoring
/// case, so <c>Momentum</c> (property) and <c>momentum</c> (parameter) are one setting, and units read them with
/// <c>nameof</c> on the attribute. A setting absent from both forms takes the attribute's own default, which the unit
/// reads from an instance of the attribute (its source is linked into the generator), so no default is written twice.
/// Values are int, double, bool, string, null or int[] (a tuple or array of ints).
/// </summary>
internal sealed class LayerArguments
{
    private readonly Dictionary<string, object?> _values = new(StringComparer.OrdinalIgnoreCase);

    public void Set(string name, object? value) => _values[name] = value;

    public bool Has(string name) => _values.ContainsKey(name);

    public int Int(string name, int fallback) => Get(name, fallback);

    public double Double(string name, double fallback)
        => _values.TryGetValue(name, out var value) && value is int i ? i : Get(name, fallback);

    public bool Bool(string name, bool fallback) => Get(name, fallback);

    public string? String(string name) => Get<string?>(name, null);

    public Padding Padding(string name, Padding fallback)
        => _values.TryGetValue(name, out var value) && value is int i ? (Padding)i : Get(name, fallback);

    /// <summary>An int or a pair of ints (<c>kernel: (1, 7)</c>) as (first, second).</summary>
    public (int First, int Second) IntOrPair(string name, int fallback)
    {
        if (_values.TryGetValue(name, out var value) && value is int[] { Length: 2 } pair) return (pair[0], pair[1]);
        var single = Int(name, fallback);
        return (single, single);
    }

    /// <summary>Ints given as several arguments, an array or a tuple (<c>Reshape(16, 5, 5)</c>, <c>Reshape(dims)</c>).</summary>
    public int[] Ints(string name)
    {
        if (!_values.TryGetValue(name, out var value) || value is null) return Array.Empty<int>();
        if (value is int single) return new[] { single };
        if (value is int[] many) return many;
        throw new ArgumentTypeException(name, value);
    }

    private T Get<T>(string name, T fallback)
    {
        if (!_values.TryGetValue(name, out var value)) return fallback;
        if (value is T typed) return typed;
        if (value is null && default(T) is null) return fallback;
        throw new ArgumentTypeException(name, value);
    }
}

/// <summary>An argument whose value the generator could not read as the type its parameter has.</summary>
internal sealed class ArgumentTypeException(string name, object? value) : Exception($"argument '{name}' is not a constant of its parameter's type")
{
    public string Name { get; } = name;
    public object? Value { get; } = value;
}
