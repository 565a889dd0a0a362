using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;

namespace Unroll.Tests.Packaging;

/// <summary>Runs <c>dotnet</c> (or a program it made) as a child process, as a user's shell would, and captures its output.</summary>
internal static class DotnetProcess
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public static readonly string RepositoryRoot = Root();

    /// <summary>
    /// Runs <paramref name="program"/> (<c>dotnet</c> when null) in <paramref name="directory"/>; returns its exit code
    /// and a log that starts with the command. <paramref name="environment"/> adds to, or replaces, inherited variables.
    /// </summary>
    public static (int Code, string Log) Run(string directory, string? program, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program ?? "dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // Right after the verb: after a `--` it would reach the program that `dotnet run` starts.
        if (program is null) start.ArgumentList.Insert(Math.Min(1, start.ArgumentList.Count), "--disable-build-servers");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // The test host's own MSBuild settings must not leak into the child builds.
        foreach (var key in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH" })
            start.Environment.Remove(key);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, $"{start.FileName} {string.Join(' ', start.ArgumentList)} in {directory}:\n{output}{error.Result}");
    }

    public static (int Code, string Log) Run(string directory, string? program, params string[] arguments)
        => Run(directory, program, (IEnumerable<string>)arguments);

    private static string Root([CallerFilePath] string here = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));
}
