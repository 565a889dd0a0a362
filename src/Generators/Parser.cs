using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Unroll.Generators.Layers;
using Unroll.Generators.Model;

namespace Unroll.Generators;

/// <summary>
/// Turns a [Network] class into a <see cref="NetworkSpec"/>: the declaration it must match and its layer attributes in
/// source order, arguments as written. Validation of values and shapes is the <see cref="ShapeChecker"/>'s job; the parser
/// only reports what is wrong with the class itself. Attributes the compiler cannot bind (wrong argument types, missing
/// arguments) stop the parse silently: the compiler already reports them.
/// </summary>
internal static class Parser
{
    public static readonly string NetworkAttributeName = typeof(NetworkAttribute).FullName!;
    private static readonly string LayerAttributeName = typeof(LayerAttribute).FullName!;

    public static ParseResult? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var node = (TypeDeclarationSyntax)context.TargetNode;
        var symbol = (INamedTypeSymbol)context.TargetSymbol;
        var classLocation = LocationInfo.From(node.Identifier);
        try
        {
            return ParseCore(context, node, symbol, classLocation, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(new[]
            {
                DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, classLocation, symbol.Name, ex.GetType().Name, ex.Message),
            }));
        }
    }

    private static ParseResult? ParseCore(
        GeneratorAttributeSyntaxContext context, TypeDeclarationSyntax node, INamedTypeSymbol symbol,
        LocationInfo? classLocation, CancellationToken cancellationToken)
    {
        // [Network] twice (on two partial declarations) is a compiler error (CS0579); generating twice would clash.
        // A declaration without a name (`partial class = Net;`, CS1001), or inside one or a nameless namespace, is the compiler's to report;
        // a network generated for it would have no name to be declared under.
        for (var declaration = node; declaration is not null; declaration = declaration.Parent as TypeDeclarationSyntax)
            if (declaration.Identifier.IsMissing || declaration.Identifier.ValueText.Length == 0) return null;
        for (var ns = symbol.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            if (ns.Name.Length == 0) return null; // `namespace Unroll.;` (CS1001)

        var networkAttributes = symbol.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == NetworkAttributeName).ToList();
        if (networkAttributes.Count != 1 || context.Attributes.Length != 1) return null;
        var network = context.Attributes[0];
        if (network.AttributeConstructor is null || HasErrors(network)) return null;

        var diagnostics = new List<DiagnosticInfo>();
        var type = ParseType(node, symbol, classLocation, diagnostics);

        var networkLocation = LocationInfo.From(network.ApplicationSyntaxReference?.GetSyntax(cancellationToken));

        // [Network(params int[] shape)]: one array of ints. Anything else is a class of the same name that is not Unroll's.
        var shape = new List<int>();
        var parameters = network.AttributeConstructor.Parameters;
        if (parameters.Length != 1 || parameters[0].Type is not IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Int32 }
            || network.ConstructorArguments.Length != 1 || network.ConstructorArguments[0].Kind != TypedConstantKind.Array)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AttributeMismatch, networkLocation, network.AttributeClass!.ToDisplayString(),
                symbol.Name, $"takes ({string.Join(", ", parameters.Select(p => p.Type.ToDisplayString() + " " + p.Name))}) where Unroll's [Network] takes (params int[] shape)"));
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
        }
        if (network.ConstructorArguments[0].IsNull)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShape, networkLocation, symbol.Name, "null", "null is not a shape"));
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
        }
        foreach (var value in network.ConstructorArguments[0].Values)
        {
            if (value.Value is int dim) shape.Add(dim);
            else return null;
        }

        // Layer attributes in source order: sort by position within the declaration that carries [Network].
        var layers = new List<(int Position, LayerNode Layer)>();
        foreach (var attribute in symbol.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!IsLayerAttribute(attribute.AttributeClass)) continue;
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
            if (syntax is null) continue;
            if (syntax.SyntaxTree != node.SyntaxTree || !node.Span.Contains(syntax.Span))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerOnOtherDeclaration, LocationInfo.From(syntax),
                    ShortName(attribute.AttributeClass!), symbol.Name));
                continue;
            }
            if (attribute.AttributeConstructor is null || HasErrors(attribute)) return null;
            if (Mismatch(attribute) is { } mismatch)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AttributeMismatch, LocationInfo.From(syntax),
                    attribute.AttributeClass!.ToDisplayString(), symbol.Name, mismatch));
                continue;
            }
            layers.Add((syntax.SpanStart, ParseLayer(attribute, LocationInfo.From(syntax))));
        }
        layers.Sort((a, b) => a.Position.CompareTo(b.Position));

        // A definition method instead of attributes: evaluated here, at compile time, into the same layer nodes.
        var define = FindDefinition(symbol, node, layers.Count > 0, diagnostics, cancellationToken);
        var hasError = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
        if (define is { } method && !hasError)
        {
            var input = ShapeChecker.InputShape(new NetworkSpec(type, new EquatableArray<int>(shape.ToArray()), null, null, EquatableArray<LayerNode>.Empty), _ => { });
            var (nodes, outputs) = DefinitionEvaluator.Evaluate(context.SemanticModel.Compilation, symbol, method.Symbol, method.Syntax, input, diagnostics, cancellationToken);
            hasError = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
            var graph = hasError
                ? null
                : new NetworkSpec(type, new EquatableArray<int>(shape.ToArray()), networkLocation, classLocation, new EquatableArray<LayerNode>(nodes))
                {
                    Outputs = new EquatableArray<OutputSpec>(outputs),
                    FromDefinition = true,
                };
            return new ParseResult(graph, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
        }

        var spec = hasError
            ? null
            : new NetworkSpec(type, new EquatableArray<int>(shape.ToArray()), networkLocation, classLocation,
                new EquatableArray<LayerNode>(layers.Select(l => l.Layer).ToArray()));
        return new ParseResult(spec, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
    }

    /// <summary>
    /// The class's definition method, if it declares one: a method named Define. Its signature must be
    /// <c>static Tensor Define(Tensor x)</c> (a tuple of Tensors may be returned); anything else is reported.
    /// </summary>
    private static (IMethodSymbol Symbol, MethodDeclarationSyntax Syntax)? FindDefinition(
        INamedTypeSymbol symbol, TypeDeclarationSyntax node, bool hasAttributes, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var methods = symbol.GetMembers("Define").OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).ToList();
        if (methods.Count == 0) return null;
        var method = methods[0];
        var syntax = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>()
            .FirstOrDefault(m => m.Body is not null || m.ExpressionBody is not null)
            ?? method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault();
        var location = syntax is null ? LocationInfo.From(node.Identifier) : LocationInfo.From(syntax.Identifier);

        string? problem = null;
        if (methods.Count > 1) problem = $"{methods.Count} methods are named Define";
        else if (!method.IsStatic) problem = "it is not static";
        else if (method.IsGenericMethod) problem = "it is generic";
        else if (method.Parameters.Length != 1 || method.Parameters[0].Type.ToDisplayString() != TensorTypeName || method.Parameters[0].RefKind != RefKind.None)
            problem = method.Parameters.Length != 1 ? $"it takes {method.Parameters.Length} parameters" : $"its parameter is '{method.Parameters[0].Type.ToDisplayString()}'";
        else if (!ReturnsTensors(method.ReturnType)) problem = $"it returns '{method.ReturnType.ToDisplayString()}'";
        else if (syntax is null || (syntax.Body is null && syntax.ExpressionBody is null)) problem = "it has no body";
        if (problem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DefinitionSignature, location, symbol.Name, problem));
            return null;
        }
        if (hasAttributes)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.AttributesAndDefinition, location, symbol.Name));
            return null;
        }
        return (method, syntax!);
    }

    private const string TensorTypeName = "Unroll.Tensor";

    private static bool ReturnsTensors(ITypeSymbol type)
    {
        if (type.ToDisplayString() == TensorTypeName) return true;
        return type is INamedTypeSymbol { IsTupleType: true } tuple && tuple.TupleElements.All(e => e.Type.ToDisplayString() == TensorTypeName);
    }

    private static TypeDeclarationInfo ParseType(TypeDeclarationSyntax node, INamedTypeSymbol symbol, LocationInfo? classLocation, List<DiagnosticInfo> diagnostics)
    {
        var name = symbol.Name;
        if (!node.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNotPartial, classLocation, name));

        if (symbol.TypeParameters.Length > 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, classLocation, name,
                "it is generic", "generated networks fix every size at compile time; remove the type parameters"));
        if (symbol.IsStatic)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, classLocation, name,
                "it is static", "a network is an object holding its buffers; remove 'static'"));
        else if (symbol.IsAbstract)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, classLocation, name,
                "it is abstract", "the generated Create method constructs it; remove 'abstract'"));

        // The generated constructor would have to chain to a primary constructor (CS8862), with arguments it cannot know.
        if (symbol.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax { ParameterList: not null }))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, classLocation, name,
                "it has a primary constructor", "the generated constructor (capacity, backend, seed) cannot call it: remove the parameter list and declare fields or properties instead"));

        // Enclosing types, outermost first: each needs a partial declaration of its own in the generated file.
        var containing = new List<ContainingTypeInfo>();
        for (var parent = node.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
        {
            var keyword = Keyword(parent);
            if (parent.TypeParameterList is not null)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, classLocation, name,
                    $"it is nested in the generic type '{parent.Identifier.ValueText}'", "move it out of the generic type"));
            else if (!parent.Modifiers.Any(SyntaxKind.PartialKeyword))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, classLocation, name,
                    parent.Identifier.ValueText, keyword));
            containing.Insert(0, new ContainingTypeInfo(keyword, parent.Identifier.ValueText));
        }

        var ns = symbol.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        return new TypeDeclarationInfo(ns, new EquatableArray<ContainingTypeInfo>(containing.ToArray()),
            AccessibilityText(symbol.DeclaredAccessibility), Keyword(node), name);
    }

    private static string Keyword(TypeDeclarationSyntax node) => node switch
    {
        RecordDeclarationSyntax { ClassOrStructKeyword.ValueText: "struct" } => "record struct",
        RecordDeclarationSyntax => "record",
        _ => node.Keyword.ValueText,
    };

    private static string AccessibilityText(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Public => "public",
        Accessibility.Internal => "internal",
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedOrInternal => "protected internal",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "internal",
    };

    /// <summary>
    /// Why a LayerAttribute-derived attribute is not one <see cref="ParseLayer"/> can read, or null if it is: its full name
    /// must be one of Unroll's layers, and its constructor parameters and properties must have the names and types that
    /// Unroll's own attribute (linked into the generator) has. A class of the same name declared in source (even in
    /// namespace Unroll) hides Unroll's and can differ in both.
    /// </summary>
    private static string? Mismatch(AttributeData attribute)
    {
        var name = attribute.AttributeClass!.ToDisplayString();
        if (LayerCatalog.FindAttribute(name) is not { } entry) return "derives from Unroll.LayerAttribute but is not one of Unroll's layer attributes";
        var parameters = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var constructor in entry.Attribute.GetConstructors())
            foreach (var parameter in constructor.GetParameters())
                parameters[parameter.Name!] = parameter.ParameterType;
        foreach (var parameter in attribute.AttributeConstructor!.Parameters)
        {
            if (!parameters.TryGetValue(parameter.Name, out var expected))
                return $"has a constructor parameter '{parameter.Name}' that Unroll's [{entry.Name}] does not have";
            if (parameter.Type.ToDisplayString() != TypeName(expected))
                return $"takes '{parameter.Type.ToDisplayString()} {parameter.Name}' where Unroll's takes '{TypeName(expected)} {parameter.Name}'";
        }
        foreach (var named in attribute.NamedArguments)
        {
            var property = entry.Attribute.GetProperty(named.Key);
            if (property is null || property.SetMethod is not { IsPublic: true })
                return $"has a property '{named.Key}' that Unroll's [{entry.Name}] does not have";
            var expected = TypeName(property.PropertyType);
            if (named.Value.Type?.ToDisplayString() != expected || (property.PropertyType.IsEnum && named.Value.Value is not int))
                return $"has a property '{named.Key}' of type '{named.Value.Type?.ToDisplayString()}' where Unroll's is '{expected}'";
        }
        return null;
    }

    /// <summary>A runtime type as the compiler displays it: <c>int</c>, <c>string?</c> as <c>string</c>, <c>Unroll.Padding</c>.</summary>
    private static string TypeName(Type type) => type.IsArray ? TypeName(type.GetElementType()!) + "[]"
        : type == typeof(int) ? "int" : type == typeof(double) ? "double"
        : type == typeof(bool) ? "bool" : type == typeof(string) ? "string" : type.FullName!;

    /// <summary>Reads a layer attribute that <see cref="Mismatch"/> accepted into its unit.</summary>
    private static LayerNode ParseLayer(AttributeData attribute, LocationInfo? location)
    {
        var entry = LayerCatalog.FindAttribute(attribute.AttributeClass!.ToDisplayString())!;
        var arguments = new LayerArguments();
        var parameters = attribute.AttributeConstructor!.Parameters;
        for (var i = 0; i < parameters.Length && i < attribute.ConstructorArguments.Length; i++)
            arguments.Set(parameters[i].Name, Value(attribute.ConstructorArguments[i]));
        string? name = null;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == nameof(LayerAttribute.Name)) name = (string?)named.Value.Value;
            else arguments.Set(named.Key, Value(named.Value));
        }
        return new LayerNode(entry.Bind(arguments), name, EquatableArray<int>.Empty, location);
    }

    /// <summary>An argument's value; an array of ints (<c>params int[] dims</c>) as int[].</summary>
    private static object? Value(TypedConstant argument)
        => argument.Kind != TypedConstantKind.Array ? argument.Value
            : argument.IsNull ? null
            : argument.Values.All(v => v.Value is int) ? argument.Values.Select(v => (int)v.Value!).ToArray()
            : argument.Values.Select(v => v.Value).ToArray();

    private static bool HasErrors(AttributeData attribute)
    {
        foreach (var argument in attribute.ConstructorArguments)
            if (argument.Kind == TypedConstantKind.Error) return true;
        foreach (var named in attribute.NamedArguments)
            if (named.Value.Kind == TypedConstantKind.Error) return true;
        return false;
    }

    private static bool IsLayerAttribute(INamedTypeSymbol? type)
    {
        for (var t = type?.BaseType; t is not null; t = t.BaseType)
            if (t.ToDisplayString() == LayerAttributeName) return true;
        return false;
    }

    private static string ShortName(INamedTypeSymbol type)
        => type.Name.EndsWith("Attribute", StringComparison.Ordinal) ? type.Name.Substring(0, type.Name.Length - "Attribute".Length) : type.Name;

    private static string SimpleName(NameSyntax name) => name switch
    {
        QualifiedNameSyntax q => q.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText,
        SimpleNameSyntax s => s.Identifier.ValueText,
        _ => "",
    };

    private static string TrimAttributeSuffix(string name)
        => name.EndsWith("Attribute", StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;

    /// <summary>Syntax-only filter for the orphan check: a type whose attributes look like layers and none like [Network].</summary>
    public static bool MightHaveLayersWithoutNetwork(SyntaxNode node, CancellationToken cancellationToken)
    {
        if (node is not TypeDeclarationSyntax { AttributeLists.Count: > 0 } type) return false;
        var layers = false;
        foreach (var list in type.AttributeLists)
        {
            foreach (var attribute in list.Attributes)
            {
                var name = TrimAttributeSuffix(SimpleName(attribute.Name));
                if (name == "Network") return false;
                if (LayerCatalog.ShortNames.Contains(name)) layers = true;
            }
        }
        return layers;
    }

    /// <summary>Reports a class declaration with layer attributes whose type has no [Network] on any declaration.</summary>
    public static DiagnosticInfo? FindLayersWithoutNetwork(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var node = (TypeDeclarationSyntax)context.Node;
        try
        {
            if (context.SemanticModel.GetDeclaredSymbol(node, cancellationToken) is not INamedTypeSymbol symbol) return null;
            foreach (var attribute in symbol.GetAttributes())
                if (attribute.AttributeClass?.ToDisplayString() == NetworkAttributeName) return null;
            foreach (var list in node.AttributeLists)
            {
                foreach (var attribute in list.Attributes)
                {
                    var type = context.SemanticModel.GetTypeInfo(attribute, cancellationToken).Type as INamedTypeSymbol;
                    if (IsLayerAttribute(type))
                        return DiagnosticInfo.Create(DiagnosticDescriptors.LayersWithoutNetwork, LocationInfo.From(node.Identifier),
                            symbol.Name, attribute.ToString());
                }
            }
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, LocationInfo.From(node.Identifier),
                node.Identifier.ValueText, ex.GetType().Name, ex.Message);
        }
    }
}
