using System;
using System.Runtime.InteropServices;

namespace Unroll.Samples;

/// <summary>
/// The sample's side of <c>--distributed</c>: Open MPI started, the <see cref="DataParallel"/> options, and what a rank
/// does when something goes wrong, so that no rank is left waiting: a failed rank stops them all, and a rank that
/// mpirun stops (because another died) says so.
/// </summary>
public sealed class Ranks : IDisposable
{
    private readonly MpiCommunicator _mpi;
    private readonly PosixSignalRegistration? _terminate;

    private Ranks(MpiCommunicator mpi, int timeoutSeconds)
    {
        _mpi = mpi;
        Parallel = new DataParallel(mpi) { Timeout = TimeSpan.FromSeconds(timeoutSeconds) };
        // mpirun sends SIGTERM to the other ranks when one dies; its own message names that rank.
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ =>
            Console.Error.WriteLine($"error: rank {mpi.Rank} of {mpi.Size} was stopped by mpirun (SIGTERM), as it stops every rank when one fails: its message names the rank."));
    }

    public DataParallel Parallel { get; }

    public static Ranks Start(SampleOptions options)
    {
        var mpi = MpiCommunicator.Start();
        if (mpi.Size == 1)
            Console.Error.WriteLine("note: --distributed on one rank: start the ranks with mpirun, e.g. mpirun -np 2 dotnet run -c Release --project samples/Unroll.Samples -- train lenet --distributed");
        else if (mpi.Rank == 0)
            Console.WriteLine($"{mpi.Library}: rank 0 of {mpi.Size}");
        return new Ranks(mpi, options.Timeout);
    }

    /// <summary>Reports <paramref name="error"/> and stops every rank (MPI_Abort), which would otherwise wait for this one.</summary>
    public void Abort(Exception error)
    {
        // DataParallel's own messages start with the rank already.
        Console.Error.WriteLine(error.Message.StartsWith("Rank ", StringComparison.Ordinal) ? "error: " + error.Message : $"error: rank {_mpi.Rank} of {_mpi.Size}: {error.Message}");
        Console.Error.Flush();
        _mpi.Abort(1);
    }

    public void Dispose()
    {
        _terminate?.Dispose();
        _mpi.Dispose();
    }
}
