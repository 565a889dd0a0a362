using System.IO;
using System.Text.RegularExpressions;
using Xunit;

namespace Unroll.Tests.Packaging;

/// <summary>
/// samples/Unroll.AotSample publishes with Native AOT without one trim or AOT warning, and the native executable
/// predicts, trains, saves, reloads and predicts the same (its exit code says so).
/// </summary>
[Collection(nameof(DotnetProcess))] // one child build at a time: they share obj/ folders of the repository's projects
public sealed class NativeAotTests : System.IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("unroll-aot-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public void The_aot_sample_publishes_without_warnings_and_runs()
    {
        string output = _work.FullName;
        var (code, log) = DotnetProcess.Run(DotnetProcess.RepositoryRoot, null,
            "publish", "samples/Unroll.AotSample", "-c", DotnetProcess.Configuration, "-r", "linux-x64", "-o", output);
        Assert.True(code == 0, log);
        Assert.DoesNotMatch(@"warning (IL|CS)\d+", log);

        string executable = Path.Combine(output, "Unroll.AotSample");
        Assert.True(File.Exists(executable), log);
        Assert.False(File.Exists(Path.Combine(output, "Unroll.AotSample.dll")), "publish made an IL assembly, not a native executable");
        var (exit, run) = DotnetProcess.Run(output, executable, "1024");
        Assert.True(exit == 0, run);
        Assert.Matches(@"first_prediction_ms=\d+", run);
        Assert.Contains("reloaded weights: 100 of 100 predictions agree", run);
    }
}
