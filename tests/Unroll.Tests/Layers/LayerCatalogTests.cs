extern alias generator;

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Xunit;

namespace Unroll.Tests.Layers;

/// <summary>
/// Every layer attribute has a unit in the generator's catalog, and the two ways of declaring a layer agree: every
/// layer attribute has a <see cref="Tensor"/> method of the same name whose
/// parameters carry the attribute's settings under the same names and with the same defaults, and the README lists it.
/// A default written twice (the attribute and the method) cannot drift apart unnoticed.
/// </summary>
public class LayerCatalogTests
{
    public static IEnumerable<object[]> LayerAttributes() =>
        typeof(LayerAttribute).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(LayerAttribute)) && !t.IsAbstract && t.IsPublic)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => new object[] { t.Name });

    private static Type AttributeType(string name) => typeof(LayerAttribute).Assembly.GetTypes().Single(t => t.Name == name);

    private static string MethodName(Type attribute) => attribute.Name[..^"Attribute".Length];

    private static MethodInfo[] TensorMethods(Type attribute)
        => typeof(Tensor).GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.Name == MethodName(attribute)).ToArray();

    [Theory]
    [MemberData(nameof(LayerAttributes))]
    public void Every_layer_attribute_has_a_unit_in_the_generator_catalog(string attributeName)
    {
        var attribute = AttributeType(attributeName);
        var entry = generator::Unroll.Generators.Layers.LayerCatalog.FindAttribute(attribute.FullName!);
        Assert.True(entry is not null, $"[{MethodName(attribute)}] has no unit in src/Generators/Layers/LayerCatalog.cs.");
        Assert.Same(entry, generator::Unroll.Generators.Layers.LayerCatalog.FindMethod(MethodName(attribute)));
    }

    [Theory]
    [MemberData(nameof(LayerAttributes))]
    public void Every_layer_attribute_has_a_tensor_method_of_the_same_name(string attributeName)
    {
        var attribute = AttributeType(attributeName);
        Assert.True(TensorMethods(attribute).Length > 0, $"[{MethodName(attribute)}] has no Tensor.{MethodName(attribute)}(...) for definition methods.");
    }

    [Theory]
    [MemberData(nameof(LayerAttributes))]
    public void Settings_have_the_same_names_and_defaults_in_both_forms(string attributeName)
    {
        var attribute = AttributeType(attributeName);
        var parameters = TensorMethods(attribute).SelectMany(m => m.GetParameters()).ToList();
        // The attribute's defaults: its settable properties on an instance made with the fewest constructor arguments,
        // and, when it has a parameterless constructor (LeakyRelu), its get-only properties too.
        var constructor = attribute.GetConstructors().OrderBy(c => c.GetParameters().Length).First();
        var instance = constructor.Invoke(constructor.GetParameters().Select(p => Sample(p.ParameterType)).ToArray());
        foreach (var property in attribute.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.DeclaringType != attribute || property.Name == nameof(LayerAttribute.Name)) continue;
            var settable = property.SetMethod is { IsPublic: true };
            if (!settable && constructor.GetParameters().Length > 0) continue;
            var matching = parameters.Where(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(matching.Count > 0, $"[{MethodName(attribute)}({property.Name} = …)] has no parameter '{Camel(property.Name)}' in Tensor.{MethodName(attribute)}.");
            var value = property.GetValue(instance);
            foreach (var parameter in matching.Where(p => p.HasDefaultValue))
                Assert.True(Equals(Convert.ChangeType(parameter.DefaultValue, property.PropertyType), value),
                    $"{attributeName}.{property.Name} defaults to {value} but Tensor.{MethodName(attribute)}'s '{parameter.Name}' to {parameter.DefaultValue}.");
        }
    }

    [Theory]
    [MemberData(nameof(LayerAttributes))]
    public void The_readme_lists_every_layer(string attributeName)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        Assert.Contains($"`{MethodName(AttributeType(attributeName))}`", readme);
    }

    private static object Sample(Type type) => type == typeof(int) ? 3 : type == typeof(double) ? 0.5
        : type.IsArray ? Array.CreateInstance(type.GetElementType()!, 1) : Activator.CreateInstance(type)!;

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private static string RepositoryRoot([CallerFilePath] string here = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));
}
