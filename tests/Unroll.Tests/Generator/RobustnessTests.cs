using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Unroll.Tests.Generator;

/// <summary>Malformed declarations end in diagnostics (the compiler's or ours), never in a generator exception.</summary>
public class RobustnessTests
{
    [Theory]
    [InlineData("[Network(784)] [Dense(\"x\")]", "CS1503")]
    [InlineData("[Network(784)] [Dense]", "CS7036")]
    [InlineData("[Network(784)] [Dense(10, Stride = 2)]", "CS0246")]
    [InlineData("[Network(\"784\")] [Dense(10)]", "CS1503")]
    [InlineData("[Network(1.5)] [Dense(10)]", "CS1503")]
    [InlineData("[Network(784)] [Dence(10)]", "CS0246")]
    [InlineData("[Network(784)] [Conv2D(4)]", "CS1729")]
    [InlineData("[Network(784)] [Dense(10, UseBias = 3)]", "CS0029")]
    [InlineData("[Network(784), Network(10)] [Dense(10)]", "CS0579")]
    [InlineData("[Network(784)] [Dense(10, Name = null)]", null)]
    [InlineData("[Network(1, 8, 8)] [Conv2D(2, 3, Padding = (Padding)7)]", "UNR0005")]
    [InlineData("[Network(int.MaxValue)] [Dense(int.MaxValue)]", "UNR0014")]
    [InlineData("[Network(784)] [Dense(10)", "CS1003")]
    public void MalformedDeclarationsGiveDiagnosticsNotExceptions(string attributes, string? expectedId)
    {
        var run = GeneratorHarness.Run($$"""
            using Unroll;
            {{attributes}}
            public partial class Broken;
            """); // Run throws if the generator threw.

        var ids = run.GeneratorDiagnostics.Concat(run.CompilationDiagnostics).Select(d => d.Id).ToList();
        Assert.DoesNotContain("UNR9999", ids);
        Assert.DoesNotContain("CS8785", ids); // "generator failed"
        if (expectedId is null) Assert.DoesNotContain(ids, id => id.StartsWith("CS") || id.StartsWith("UNR"));
        else Assert.Contains(expectedId, ids);
    }

    [Fact]
    public void ClassesWithoutLayersOrNetworkAreIgnored()
    {
        var run = GeneratorHarness.Run("""
            using System;
            [Obsolete] public class Plain { }
            [Serializable] public partial record Data(int X);
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Sources);
    }
}
