using System;
using System.Globalization;
using System.Numerics;
using Unroll.Generators.Model;

namespace Unroll.Generators.Layers;

/// <summary>
/// What a unit's checks and shape rule report through: the layer's name, kind and location, and helpers for the
/// diagnostics every kind shares (an invalid argument, a buffer too large for an array).
/// </summary>
internal sealed class LayerContext(string kind, string name, LocationInfo? location, string callContext, Action<DiagnosticInfo> report)
{
    public string Kind { get; } = kind;
    public string Name { get; } = name;
    public LocationInfo? Location { get; } = location;

    /// <summary>For a layer made in a definition method's helper: ", in Block(filters: 64), called from Define line 7".</summary>
    public string CallContext { get; } = callContext;

    /// <summary>Whether an error was reported through this context.</summary>
    public bool Failed { get; private set; }

    public void Report(DiagnosticInfo diagnostic)
    {
        if (diagnostic.Descriptor.DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error) Failed = true;
        report(diagnostic);
    }

    public void Report(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params string[] arguments)
        => Report(DiagnosticInfo.Create(descriptor, Location, arguments));

    /// <summary>UNR0005: "{kind} '{name}' has {arrived}, but {expected}".</summary>
    public void Invalid(string arrived, string expected)
        => Report(DiagnosticDescriptors.InvalidLayerArgument, Kind, Name, arrived, expected);

    /// <summary>UNR0014: a buffer (or extent) that would hold more values than an array can.</summary>
    public void TooLarge(string values, string what)
        => Report(DiagnosticDescriptors.NetworkTooLarge, Kind, Name, values, what, Grouped(int.MaxValue));

    /// <summary>An image shape from long dimensions (sums and products of int arguments), or null after reporting UNR0014.</summary>
    public Shape? Image(long channels, long height, long width, string what = "its output")
    {
        var size = new BigInteger(channels) * height * width;
        if (size <= int.MaxValue) return Shape.Image((int)channels, (int)height, (int)width);
        TooLarge(Grouped(size), $"{what} ({Plain(channels)}, {Plain(height)}, {Plain(width)})");
        return null;
    }

    /// <summary>A shape of any rank given exactly, or null after reporting UNR0014.</summary>
    public Shape? Fits(Shape shape, string what = "its output")
    {
        if (shape.ExactSize <= int.MaxValue) return shape;
        TooLarge(Grouped(shape.ExactSize), $"{what} {shape}");
        return null;
    }

    public static string Plain(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Grouped(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Grouped(BigInteger value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Whether a value is still finite once converted to the float the generated code holds.</summary>
    public static bool IsFiniteFloat(double value)
    {
        var f = (float)value;
        return !float.IsNaN(f) && !float.IsInfinity(f);
    }

    /// <summary>A value as written, and what it becomes as a float where that differs: "0.99999999999 (1 as a float)".</summary>
    public static string AsFloat(double value)
    {
        var written = Number(value);
        var asFloat = ((float)value).ToString("R", CultureInfo.InvariantCulture);
        return asFloat == written ? written : $"{written} ({asFloat} as a float)";
    }
}
