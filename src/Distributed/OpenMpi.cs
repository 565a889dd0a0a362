using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Unroll;

/// <summary>
/// The handful of Open MPI calls data-parallel training makes, bound at run time through function pointers (no
/// marshalling, AOT-safe). Open MPI's handles are the addresses of exported objects (<c>ompi_mpi_comm_world</c>, …),
/// unlike MPICH's integer constants, so this binding is for Open MPI alone (4.x, as Debian 12 ships it, and 5.x).
/// </summary>
internal sealed unsafe class OpenMpi
{
    public const int Success = 0;
    public const int ThreadSerialized = 2;          // MPI_THREAD_SERIALIZED: one thread at a time calls MPI
    private const int MaxString = 256;              // MPI_MAX_ERROR_STRING, MPI_MAX_LIBRARY_VERSION_STRING (Open MPI)

    /// <summary>The library names tried, newest ABI first (libmpi.so.40 is Open MPI 3 to 5).</summary>
    public static readonly string[] LibraryNames = ["libmpi.so.40", "libmpi.so"];

    public readonly string Path;
    public readonly nint CommWorld, Float, Double, Sum, ErrorsReturn;
    public static readonly nint InPlace = 1;        // MPI_IN_PLACE is (void *) 1

    public readonly delegate* unmanaged<int*, int> Initialized, Finalized;
    public readonly delegate* unmanaged<int*, byte***, int, int*, int> InitThread;
    public readonly delegate* unmanaged<int> Finalize;
    public readonly delegate* unmanaged<nint, int*, int> CommRank, CommSize;
    public readonly delegate* unmanaged<nint, nint, int> CommSetErrhandler;
    public readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int> Iallreduce;
    public readonly delegate* unmanaged<nint*, int*, void*, int> Test;
    public readonly delegate* unmanaged<nint, int, int> Abort;
    private readonly delegate* unmanaged<int, byte*, int*, int> _errorString;
    private readonly delegate* unmanaged<byte*, int*, int> _libraryVersion;

    private OpenMpi(string path, nint library)
    {
        Path = path;
        nint Export(string name) => NativeLibrary.TryGetExport(library, name, out var address) ? address
            : throw new DllNotFoundException(
                $"The MPI library '{path}' has no '{name}': Unroll.Distributed binds Open MPI (4 or 5), whose handles are exported objects " +
                "such as ompi_mpi_comm_world. MPICH and its derivatives are not supported; install Open MPI (Debian: apt-get install openmpi-bin).");
        CommWorld = Export("ompi_mpi_comm_world");
        Float = Export("ompi_mpi_float");
        Double = Export("ompi_mpi_double");
        Sum = Export("ompi_mpi_op_sum");
        ErrorsReturn = Export("ompi_mpi_errors_return");
        Initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export("MPI_Init_thread");
        Finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        CommSetErrhandler = (delegate* unmanaged<nint, nint, int>)Export("MPI_Comm_set_errhandler");
        Iallreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int>)Export("MPI_Iallreduce");
        Test = (delegate* unmanaged<nint*, int*, void*, int>)Export("MPI_Test");
        Abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
        _libraryVersion = (delegate* unmanaged<byte*, int*, int>)Export("MPI_Get_library_version");
    }

    /// <summary>
    /// Loads Open MPI from <paramref name="path"/>, or from the first of <see cref="LibraryNames"/> the system's loader finds.
    /// It is opened with RTLD_GLOBAL, as mpi4py does: Open MPI's plug-ins (its transports) resolve their calls into
    /// libmpi through the global namespace, and fail to load from a library opened locally.
    /// </summary>
    /// <exception cref="DllNotFoundException">No such library, or not Open MPI; the message says what to install.</exception>
    public static OpenMpi Load(string? path = null)
    {
        var tried = path is null ? LibraryNames : [path];
        foreach (var name in tried)
        {
            var library = OpenGlobal(name);
            if (library != 0) return new OpenMpi(name, library);
        }
        throw new DllNotFoundException(
            $"Open MPI's library was not found (tried {string.Join(", ", tried)}{(path is null ? " on the loader's path" : "")}): " +
            "install Open MPI (Debian and Ubuntu: apt-get install openmpi-bin) and start every rank with mpirun, " +
            "for example: mpirun -np 2 dotnet run -c Release --project samples/Unroll.Samples -- train lenet --distributed.");
    }

    private const int RtldNow = 2, RtldGlobal = 0x100;

    private static nint OpenGlobal(string name)
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc) || !NativeLibrary.TryGetExport(libc, "dlopen", out var dlopen))
            return NativeLibrary.TryLoad(name, out var handle) ? handle : 0;
        var bytes = System.Text.Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* file = bytes) return ((delegate* unmanaged<byte*, int, nint>)dlopen)(file, RtldNow | RtldGlobal);
    }

    /// <summary>Throws <see cref="IOException"/> naming the call and Open MPI's own words for <paramref name="code"/>.</summary>
    public void Check(int code, string call)
    {
        if (code == Success) return;
        throw new IOException($"{call} failed with MPI error {code}: {ErrorText(code)}.");
    }

    private string ErrorText(int code)
    {
        var buffer = stackalloc byte[MaxString + 1];
        int length;
        return _errorString(code, buffer, &length) == Success ? new string((sbyte*)buffer, 0, Math.Clamp(length, 0, MaxString)) : "(no description)";
    }

    /// <summary>The library's own description, "Open MPI v4.1.4, package: Debian OpenMPI, …", first line.</summary>
    public string Version()
    {
        var buffer = stackalloc byte[MaxString + 1];
        int length;
        if (_libraryVersion(buffer, &length) != Success) return "Open MPI";
        var text = new string((sbyte*)buffer, 0, Math.Clamp(length, 0, MaxString));
        var end = text.IndexOfAny([',', '\n']);
        return (end < 0 ? text : text[..end]).Trim();
    }
}
