using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;
using Unroll.Generators.Model;

namespace Unroll.Generators;

/// <summary>Layer names (Keras's defaults) and the C# member names derived from them.</summary>
internal static class Naming
{
    /// <summary>Whether a user-given name is usable: letters, digits, '_' and '-' only (it becomes part of C# names and parameter names).</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length == 0) return false;
        foreach (var c in name)
            if (!(char.IsLetterOrDigit(c) || c == '_' || c == '-')) return false;
        return true;
    }

    /// <summary>
    /// PascalCase member name: dense_1 → Dense1, max_pooling2d_1 → MaxPooling2d1. Not Unicode-normalised: the compiler
    /// compares identifiers exactly, and normalisation would depend on the host's globalization mode. Names that still
    /// meet after casing (the Kelvin sign and K both give the field <c>_kxOut</c>) are caught by comparing
    /// <see cref="Layers.MemberSuffixes.Identifiers"/>.
    /// </summary>
    public static string PascalCase(string name)
    {
        var builder = new StringBuilder(name.Length);
        var upper = true;
        foreach (var c in name)
        {
            if (!char.IsLetterOrDigit(c)) { upper = true; continue; }
            builder.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (builder.Length == 0 || char.IsDigit(builder[0])) builder.Insert(0, "Layer");
        return builder.ToString();
    }

    /// <summary>camelCase for private fields: Dense1 → dense1.</summary>
    public static string CamelCase(string pascal) => char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);

    /// <summary>An identifier as C# source: <c>@</c> where it is a keyword (<c>@class</c>, <c>@event</c>), whether or not it arrived with one.</summary>
    public static string Identifier(string name)
    {
        var bare = name.StartsWith("@", StringComparison.Ordinal) ? name.Substring(1) : name;
        return SyntaxFacts.GetKeywordKind(bare) != SyntaxKind.None ? "@" + bare : bare;
    }

    /// <summary>A dotted name (a namespace) with each part escaped as <see cref="Identifier"/> does.</summary>
    public static string QualifiedIdentifier(string dotted)
    {
        var parts = dotted.Split('.');
        for (var i = 0; i < parts.Length; i++) parts[i] = Identifier(parts[i]);
        return string.Join(".", parts);
    }

    /// <summary>
    /// A part of a generated file's name: the identifier without <c>@</c>, and anything but letters, digits, '_' and '.'
    /// (the compiler rejects some characters in hint names) replaced by '_'. <see cref="UniqueHintName"/> makes it unique.
    /// </summary>
    public static string HintPart(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c == '@') continue;
            builder.Append(char.IsLetterOrDigit(c) || c is '_' or '.' ? c : '_');
        }
        return builder.ToString();
    }

    /// <summary>
    /// Names the generated <c>Layers.X</c> constant classes cannot take: the members every such class holds, and
    /// <c>Layers</c> itself (a member cannot share its enclosing type's name, CS0542). Such a layer's class gets a
    /// trailing '_' (<c>Layers.Size_</c>), which no other layer's member name can have.
    /// </summary>
    private static readonly HashSet<string> ReservedLayerClassNames = new(StringComparer.Ordinal)
    {
        "Layers", "Name", "Steps", "Features", "Channels", "Depth", "Height", "Width", "Size", "ParameterCount",
        "MultiplyAdds", "ActivationBytes",
    };

    /// <summary>The name of a layer's nested class in <c>Layers</c>: its member name, unless that is taken (see <see cref="ReservedLayerClassNames"/>).</summary>
    public static string LayerClassName(string memberName)
        => ReservedLayerClassNames.Contains(memberName) ? memberName + "_" : memberName;

    /// <summary>Whether <paramref name="identifier"/> is one of a large network's pass parts: <c>ForwardPart3</c>, <c>BackwardPart1</c>.</summary>
    public static bool IsPassPart(string identifier)
    {
        foreach (var pass in new[] { "ForwardPart", "BackwardPart" })
        {
            if (identifier.Length <= pass.Length || !identifier.StartsWith(pass, StringComparison.Ordinal)) continue;
            var digits = true;
            for (var i = pass.Length; i < identifier.Length; i++) digits &= identifier[i] is >= '0' and <= '9';
            if (digits) return true;
        }
        return false;
    }

    /// <summary>
    /// The members every generated network declares whatever its layers, in the class's own scope. None ends in a suffix
    /// that <see cref="Layers.MemberSuffixes.Identifiers"/> appends, so a layer's members can never clash with these; the class's own name can.
    /// </summary>
    public static readonly string[] NetworkMembers =
    {
        "InputSize", "OutputSize", "ParameterCount", "TrainableParameterCount", "MultiplyAdds", "ActivationBytes", "MaxCapacity", "Summary", "InputShape",
        "OutputShape", "Layers", "Create", "Backend", "Capacity", "Parameters", "Statistics", "Outputs", "Input", "Output",
        "Logits", "OutputGradient", "OutputActivation", "Forward", "Backward", "DropoutSeed", "WorkspaceLength",
        "CreateInferenceContext", "IsInferenceContext", "_trains", "_useGuard",
        "_backend", "_capacity", "_seed", "_dropoutStep", "_lastPassTraining", "_input", "_inputGradient", "_gradScratch",
        "_workspace", "_outputs", "s_inferenceOperations", "s_trainingOperations",
    };

    /// <summary>
    /// A hint name no other network of the compilation has, compared as the compiler compares them: ignoring case
    /// (<c>Mlp</c> and <c>MLP</c>). Networks whose names clash are ordered by their exact C# name; the first keeps the
    /// plain name, the others get <c>.2</c>, <c>.3</c>, … before <c>.g.cs</c> (a part no C# name can produce).
    /// </summary>
    public static string UniqueHintName(TypeDeclarationInfo type, IEnumerable<TypeDeclarationInfo> all)
    {
        var hint = type.HintName;
        var clashing = all
            .Where(t => string.Equals(t.HintName, hint, StringComparison.OrdinalIgnoreCase))
            .Select(t => t.FullName)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToList();
        var index = clashing.IndexOf(type.FullName);
        if (index <= 0) return hint;
        const string extension = ".g.cs";
        return hint.Substring(0, hint.Length - extension.Length) + "." + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + extension;
    }
}
