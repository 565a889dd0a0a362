using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Unroll.Tests.Packaging;

/// <summary>
/// The packages as a user outside this repository meets them: <c>dotnet pack</c> makes versioned packages with their
/// metadata, and a fresh console project that references Unroll.Runtime exactly as README.md shows builds, trains and
/// predicts, or fails its build at the wrong attribute. The projects live in a temporary folder with a NuGet cache of
/// their own, so that neither this repository's build files nor a stale cached package can stand in for the real one.
/// </summary>
[Collection(nameof(DotnetProcess))] // one child build at a time: they share obj/ folders of the repository's projects
public sealed class PackageTests : IDisposable
{
    private static readonly string Root = DotnetProcess.RepositoryRoot;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("unroll-package-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public void Pack_makes_versioned_packages_with_metadata_and_the_generator_inside_the_runtime()
    {
        string version = Version();
        string feed = Pack();
        foreach (var id in new[] { "Unroll.Runtime", "Unroll.Models", "Unroll.Gpu" })
        {
            string file = Path.Combine(feed, $"{id}.{version}.nupkg");
            Assert.True(File.Exists(file), $"dotnet pack made {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}, not {id}.{version}.nupkg");
            using var package = ZipFile.OpenRead(file);
            var entries = package.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains($"lib/net10.0/{id}.dll", entries);
            Assert.Contains("README.md", entries);
            Assert.Contains("LICENSE", entries);
            using var nuspec = new StreamReader(package.GetEntry($"{id}.nuspec")!.Open());
            string manifest = nuspec.ReadToEnd();
            Assert.Contains($"<version>{version}</version>", manifest);
            Assert.Contains("<license type=\"expression\">MIT</license>", manifest);
            Assert.Contains("<readme>README.md</readme>", manifest);
            Assert.Matches("<description>[^<]{40,}</description>", manifest);
            if (id == "Unroll.Runtime")
            {
                Assert.Contains("analyzers/dotnet/cs/Unroll.Generators.dll", entries);
                Assert.Contains("id=\"System.Numerics.Tensors\"", manifest);
            }
            else
            {
                Assert.Contains($"id=\"Unroll.Runtime\" version=\"{version}\"", manifest);
            }
        }
    }

    [Fact]
    public void A_fresh_project_with_the_readme_package_reference_trains_and_predicts()
    {
        string feed = Pack();
        string app = ConsoleProject("app", """
            using Unroll;

            var random = new Random(3);
            var features = new float[256 * 4];
            var labels = new int[256];
            for (int i = 0; i < labels.Length; i++)
            {
                for (int j = 0; j < 4; j++) features[i * 4 + j] = (float)random.NextDouble() - 0.5f;
                labels[i] = features[i * 4] + features[i * 4 + 1] > 0 ? 1 : 0;
            }
            var data = Dataset.ForClassification(features, 4, labels, classes: 2);
            var net = new Tiny(capacity: 32, seed: 1);
            var trainer = new Trainer<Tiny>(net, new SparseCategoricalCrossEntropy(), new Adam(0.01f));
            float before = trainer.Evaluate(data).Loss;
            trainer.Fit(data, new FitOptions { Epochs = 20, BatchSize = 32 });
            var after = trainer.Evaluate(data);
            Console.WriteLine($"loss {before:F4} -> {after.Loss:F4}, accuracy {after.Accuracy:F3}, class {net.PredictClass(data.Sample(0))} of label {labels[0]}");

            [Network(4)]
            [Dense(8), Relu]
            [Dense(2), Softmax]
            public partial class Tiny { }
            """, feed);

        var (code, output) = Dotnet(app, "run", "-c", "Release");
        Assert.True(code == 0, output);
        var line = Regex.Match(output, @"loss (\S+) -> (\S+), accuracy (\S+), class (\d) of label (\d)");
        Assert.True(line.Success, output);
        Assert.True(float.Parse(line.Groups[2].Value) < float.Parse(line.Groups[1].Value), line.Value);
        Assert.True(float.Parse(line.Groups[3].Value) > 0.9f, line.Value);
    }

    [Fact]
    public void A_fresh_project_with_a_shape_error_fails_its_build_at_the_attribute()
    {
        string feed = Pack();
        string app = ConsoleProject("broken", """
            using Unroll;

            System.Console.WriteLine("built");

            [Network(1, 28, 28)]
            [Conv2D(6, 5, Padding = Padding.Same), Relu, MaxPool2D(2)]
            [Conv2D(16, 5), Relu, MaxPool2D(2)]
            [Dense(120), Relu, Dense(84), Relu, Dense(10), Softmax]
            public partial class LeNet5 { }
            """, feed);

        var (code, output) = Dotnet(app, "build", "-c", "Release");
        Assert.NotEqual(0, code);
        // Line 8, column 2: the Dense(120) that receives (16, 5, 5) without a Flatten.
        Assert.True(Regex.IsMatch(output, @"Program\.cs\(8,2\): error UNR0006: Dense 'dense_1' expects a 1-D input but receives \(16, 5, 5\); add \[Flatten\] before it"), output);
    }

    /// <summary>The version in Directory.Build.props, which README.md's package reference must name too.</summary>
    private static string Version()
    {
        string version = Regex.Match(File.ReadAllText(Path.Combine(Root, "Directory.Build.props")), "<Version>([^<]+)</Version>").Groups[1].Value;
        Assert.Contains($"<PackageReference Include=\"Unroll.Runtime\" Version=\"{version}\" />", File.ReadAllText(Path.Combine(Root, "README.md")));
        return version;
    }

    /// <summary>Packs the three packages from this build's outputs into a folder of the test's own.</summary>
    private string Pack()
    {
        string feed = Path.Combine(_work.FullName, "feed");
        foreach (var project in new[] { "src/Runtime/Unroll.Runtime.csproj", "src/Models/Unroll.Models.csproj", "src/Gpu/Unroll.Gpu.csproj" })
        {
            var (code, output) = Dotnet(Root, "pack", Path.Combine(Root, project), "-c", DotnetProcess.Configuration, "--no-build", "-o", feed);
            Assert.True(code == 0, output);
        }
        return feed;
    }

    /// <summary>A console project outside the repository: README.md's package reference, the feed, a NuGet cache of its own.</summary>
    private string ConsoleProject(string name, string program, string feed)
    {
        string readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        string reference = Regex.Match(readme, "<PackageReference Include=\"Unroll.Runtime\"[^>]*/>").Value;
        Assert.False(string.IsNullOrEmpty(reference), "README.md shows no PackageReference to Unroll.Runtime");
        string folder = Directory.CreateDirectory(Path.Combine(_work.FullName, name)).FullName;
        File.WriteAllText(Path.Combine(folder, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                {reference}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="unroll-test-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), program);
        return folder;
    }

    private (int Code, string Log) Dotnet(string directory, params string[] arguments)
        => DotnetProcess.Run(directory, null, arguments,
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_work.FullName, "packages") });
}
