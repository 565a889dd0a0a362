using System.Linq;
using Microsoft.CodeAnalysis;

namespace Unroll.Generators.Model;

/// <summary>A diagnostic as values: descriptor, where, and the message's arguments (all text).</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments)
        => new(descriptor, location, new EquatableArray<string>(arguments));

    public Diagnostic ToDiagnostic(Location? location = null)
        => Diagnostic.Create(Descriptor, location ?? Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None, Arguments.ToArray<object>());
}
