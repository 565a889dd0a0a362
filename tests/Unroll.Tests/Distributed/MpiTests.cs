using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Unroll.Tests.Packaging;
using Xunit;

namespace Unroll.Tests.Distributed;

/// <summary>
/// Data-parallel training on real processes: Open MPI's mpirun starts two ranks on this machine (loopback,
/// --oversubscribe), as .ci/run installs it. The programs are the solution's own: Unroll.DistributedCheck and the sample.
/// </summary>
public sealed class MpiTests
{
    private static readonly string CheckProgram = Path.Combine(DotnetProcess.RepositoryRoot,
        "tests", "Unroll.DistributedCheck", "bin", DotnetProcess.Configuration, "net10.0", "Unroll.DistributedCheck.dll");
    private static readonly string Sample = Path.Combine(DotnetProcess.RepositoryRoot,
        "samples", "Unroll.Samples", "bin", DotnetProcess.Configuration, "net10.0", "Unroll.Samples.dll");

    [Fact]
    public void TwoRanksTrainLeNet5ForThreeHundredStepsAsOneProcessDoes()
    {
        var (code, log, _) = Mpirun([], ["dotnet", CheckProgram, "check", "300"]);
        Assert.True(code == 0, log);
        Assert.Contains("rank 0: rank 1's 61,706 parameters are bit-identical to rank 0's", log);
        Assert.Contains("rank 0: against one process on the combined batches in chunks of 32: loss", log);
        Assert.Contains("largest difference 0.00E+000 (tolerance", log);
    }

    [Fact]
    public void RanksThatTrainDifferentNetworksEachFailNamingTheDifference()
    {
        var (code, log, _) = Mpirun([], ["dotnet", CheckProgram, "mismatch"]);
        Assert.NotEqual(0, code);
        Assert.Contains("rank 0: error: Rank(s) 1 of 2 do not train what rank 0 trains (Unroll.Models.LeNet5 with 61,706 parameters", log);
        Assert.Contains("rank 1: error: Rank 1 of 2 does not train what rank 0 trains, so their steps would not match. Here: Unroll.Models.FashionMlp with 235,146 parameters", log);
        Assert.DoesNotContain("trained, but", log);
    }

    /// <summary>Rank 1 is killed (SIGKILL) during training; mpirun stops rank 0 and names rank 1.</summary>
    [Fact]
    public void AKilledRankStopsTheOtherWithinThirtySeconds()
    {
        var (code, log, elapsed) = Mpirun([], [.. KillRankOne(), "train", "lenet", "--distributed", "--epochs", "50"]);
        Assert.NotEqual(0, code);
        Assert.Contains("mpirun noticed that process rank 1", log);
        Assert.Contains("exited on signal 9", log);
        Assert.True(elapsed < TimeSpan.FromSeconds(KillAfterSeconds + 30), $"{elapsed.TotalSeconds:F0} s\n{log}");
    }

    /// <summary>
    /// The same with mpirun told to let the job go on (--enable-recovery), as a launcher that does not stop the others
    /// would: rank 0's wait times out, and it stops the job itself with an error that says where it was.
    /// </summary>
    [Fact]
    public void ARankLeftWaitingForADeadOneStopsEveryRankAfterItsTimeout()
    {
        // Open MPI 4.1 under --enable-recovery exits with 0 even after MPI_Abort, so the output is what tells.
        var (_, log, elapsed) = Mpirun(["--enable-recovery"], [.. KillRankOne(), "train", "lenet", "--distributed", "--epochs", "50", "--timeout", "5"]);
        Assert.Contains("error: Rank 0 of 2 waited 5 s for the other ranks to ", log);
        Assert.Contains("MPI_ABORT was invoked on rank 0", log);
        Assert.True(elapsed < TimeSpan.FromSeconds(KillAfterSeconds + 30), $"{elapsed.TotalSeconds:F0} s\n{log}");
    }

    private const int KillAfterSeconds = 8;

    /// <summary>A shell line that runs the sample, rank 1 killing itself after <see cref="KillAfterSeconds"/>.</summary>
    private static string[] KillRankOne() =>
    [
        "sh", "-c",
        $"if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then (sleep {KillAfterSeconds}; kill -9 $$) & fi; exec dotnet \"$0\" \"$@\"",
        Sample,
    ];

    private static (int Code, string Log, TimeSpan Elapsed) Mpirun(string[] options, string[] command)
    {
        Assert.True(File.Exists(CheckProgram) && File.Exists(Sample), $"Build the solution first (dotnet build Generators.sln -c {DotnetProcess.Configuration}): {CheckProgram} and {Sample} are the programs mpirun starts.");
        var start = new ProcessStartInfo("mpirun")
        {
            WorkingDirectory = DotnetProcess.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-np", "2", "--oversubscribe", .. options, .. command]) start.ArgumentList.Add(argument);
        // As root (CI containers), Open MPI refuses to start unless told twice.
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var clock = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("mpirun was not found: install Open MPI (apt-get install openmpi-bin), as .ci/run does.", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            // A generous bound, so that a hang fails the test instead of the whole run.
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            var elapsed = clock.Elapsed;
            return (process.ExitCode, $"mpirun {string.Join(' ', start.ArgumentList)} ({elapsed.TotalSeconds:F1} s, exit code {process.ExitCode}):\n{output.Result}{error.Result}", elapsed);
        }
    }
}
