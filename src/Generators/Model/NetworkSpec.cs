namespace Unroll.Generators.Model;

/// <summary>A type that encloses the network class (nested classes), outermost first.</summary>
internal sealed record ContainingTypeInfo(string Keyword, string Name);

/// <summary>
/// The C# declaration the generated partial must match: namespace (null for the global one), enclosing types,
/// accessibility, <c>class</c> or <c>record</c>, and name.
/// </summary>
internal sealed record TypeDeclarationInfo(
    string? Namespace,
    EquatableArray<ContainingTypeInfo> ContainingTypes,
    string Accessibility,
    string Keyword,
    string Name)
{
    /// <summary>The type as a <c>global::</c>-qualified name, keywords escaped (<c>global::@event.@class</c>).</summary>
    public string FullName
    {
        get
        {
            var name = Namespace is null ? "global::" : "global::" + Naming.QualifiedIdentifier(Namespace) + ".";
            foreach (var outer in ContainingTypes) name += Naming.Identifier(outer.Name) + ".";
            return name + Naming.Identifier(Name);
        }
    }

    /// <summary>
    /// The generated file's name before <see cref="Naming.UniqueHintName"/> makes it unique among the compilation's
    /// networks: namespace, enclosing types and name, with <c>@</c> and characters the compiler rejects left out.
    /// </summary>
    public string HintName
    {
        get
        {
            var name = Namespace is null ? "" : Naming.HintPart(Namespace) + ".";
            foreach (var outer in ContainingTypes) name += Naming.HintPart(outer.Name) + ".";
            return name + Naming.HintPart(Name) + ".g.cs";
        }
    }
}

/// <summary>
/// One layer as declared, arguments bound into its unit (<see cref="Layers.Layer"/>) but not yet validated: its name if
/// given, the nodes it reads (−1 is the network input; empty means "the previous layer", the attribute form) and where
/// it was written.
/// </summary>
internal sealed record LayerNode(Layers.Layer Layer, string? Name, EquatableArray<int> Inputs, LocationInfo? Location)
{
    /// <summary>For a layer made inside a helper of a definition method: ", in Block(filters: 64), called from Define line 7".</summary>
    public string Context { get; init; } = "";
}

/// <summary>One output of a definition-method network: the node and its loss weight.</summary>
internal sealed record OutputSpec(int Node, double LossWeight);

/// <summary>A network declaration as parsed: the class, its input shape and its layers in source order.</summary>
internal sealed record NetworkSpec(
    TypeDeclarationInfo Type,
    EquatableArray<int> InputShape,
    LocationInfo? NetworkAttributeLocation,
    LocationInfo? ClassLocation,
    EquatableArray<LayerNode> Layers)
{
    /// <summary>The outputs, main output first; empty means the last layer (attribute form).</summary>
    public EquatableArray<OutputSpec> Outputs { get; init; }

    /// <summary>Whether the layers came from a definition method (then an empty <see cref="Layers"/> was already reported).</summary>
    public bool FromDefinition { get; init; }
}

/// <summary>What the parser produced for one [Network] class: a spec (null when it cannot go on) and diagnostics.</summary>
internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
