using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace Unroll;

/// <summary>
/// The MPI group this process was started in (<c>MPI_COMM_WORLD</c>), on Open MPI: pass it to
/// <see cref="DataParallel"/>. Start every rank with <c>mpirun</c> (<c>mpirun -np 2 …</c>, or <c>--hostfile</c> across
/// machines); started alone, the process is a group of one. MPI starts once per process and ends with
/// <see cref="Dispose"/>, so create one, at the start, and dispose of it at the end.
/// </summary>
/// <example>
/// <code>
/// using var mpi = MpiCommunicator.Start();
/// var trainer = new Trainer&lt;LeNet5&gt;(new LeNet5(capacity: 32, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());
/// trainer.Fit(train, new FitOptions { BatchSize = 64, DataParallel = new DataParallel(mpi) });
/// if (mpi.Rank == 0) trainer.Network.SaveWeights("lenet.safetensors");
/// </code>
/// </example>
public sealed unsafe class MpiCommunicator : ICommunicator, IDisposable
{
    private static int s_started;           // MPI_Init may be called once per process, and not again after MPI_Finalize
    private readonly OpenMpi _mpi;
    private Slot[] _slots = new Slot[16];   // requests in flight: MPI's handle and the pin on the values
    private int _free;                      // slots below it have been used; freed ones are found by scanning
    private bool _disposed;

    private struct Slot
    {
        public nint Request;
        public GCHandle Pin;
        public bool Busy;
    }

    private MpiCommunicator(OpenMpi mpi, int rank, int size)
    {
        _mpi = mpi;
        Rank = rank;
        Size = size;
        Library = mpi.Version();
    }

    /// <summary>
    /// Starts MPI (<c>MPI_Init_thread</c>, serialized: the trainer calls it from one thread at a time) and joins the
    /// group the launcher started. Errors come back as exceptions, not as MPI's default abort.
    /// </summary>
    /// <param name="libraryPath">Open MPI's <c>libmpi</c>; null to let the loader find <c>libmpi.so.40</c>.</param>
    /// <exception cref="DllNotFoundException">Open MPI is not installed, or the library is not Open MPI.</exception>
    /// <exception cref="InvalidOperationException">MPI was already started in this process.</exception>
    public static MpiCommunicator Start(string? libraryPath = null)
    {
        var mpi = OpenMpi.Load(libraryPath);
        if (Interlocked.Exchange(ref s_started, 1) != 0)
            throw new InvalidOperationException("MPI was already started in this process: it starts once per process, so keep the first MpiCommunicator and pass it around.");
        int provided;
        mpi.Check(mpi.InitThread(null, null, OpenMpi.ThreadSerialized, &provided), "MPI_Init_thread");
        if (provided < OpenMpi.ThreadSerialized)
        {
            mpi.Finalize();
            throw new InvalidOperationException($"{mpi.Version()} gives thread level {provided}; training needs MPI_THREAD_SERIALIZED ({OpenMpi.ThreadSerialized}).");
        }
        mpi.Check(mpi.CommSetErrhandler(mpi.CommWorld, mpi.ErrorsReturn), "MPI_Comm_set_errhandler");
        int rank, size;
        mpi.Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        mpi.Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        return new MpiCommunicator(mpi, rank, size);
    }

    /// <summary>Whether this process was started by Open MPI's mpirun (it sets <c>OMPI_COMM_WORLD_SIZE</c>).</summary>
    public static bool LaunchedByMpirun => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null;

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <summary>The MPI library, as it describes itself ("Open MPI v4.1.4").</summary>
    public string Library { get; }

    /// <inheritdoc/>
    public long StartSum(float[] values, int start, int count) => Start(values, start, count, sizeof(float), _mpi.Float);

    /// <inheritdoc/>
    public long StartSum(double[] values, int start, int count) => Start(values, start, count, sizeof(double), _mpi.Double);

    private long Start(Array values, int start, int count, int elementSize, nint type)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, values.Length - count);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var slot = FreeSlot();
        ref var s = ref _slots[slot];
        s.Pin = GCHandle.Alloc(values, GCHandleType.Pinned);
        var data = (byte*)s.Pin.AddrOfPinnedObject() + (long)start * elementSize;
        nint request;
        var code = _mpi.Iallreduce((void*)OpenMpi.InPlace, data, count, type, _mpi.Sum, _mpi.CommWorld, &request);
        if (code != OpenMpi.Success)
        {
            s.Pin.Free();
            _mpi.Check(code, "MPI_Iallreduce");
        }
        s.Request = request;
        s.Busy = true;
        return slot;
    }

    private int FreeSlot()
    {
        for (var i = 0; i < _free; i++) if (!_slots[i].Busy) return i;
        if (_free == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
        return _free++;
    }

    /// <inheritdoc/>
    public bool Test(long request)
    {
        if ((ulong)request >= (ulong)_free || !_slots[request].Busy)
            throw new ArgumentException($"Request {request} is not in flight: it completed already or was never started.", nameof(request));
        ref var s = ref _slots[request];
        int done;
        var handle = s.Request;
        _mpi.Check(_mpi.Test(&handle, &done, null), "MPI_Test");
        s.Request = handle;
        if (done == 0) return false;
        s.Pin.Free();
        s.Busy = false;
        return true;
    }

    /// <inheritdoc/>
    public void Abort(int exitCode)
    {
        _mpi.Abort(_mpi.CommWorld, exitCode);
        Environment.Exit(exitCode);  // MPI_Abort does not return; in case a library's does
    }

    /// <summary>Ends MPI (<c>MPI_Finalize</c>): every rank must call it, after its last exchange.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        int finalized;
        if (_mpi.Finalized(&finalized) == OpenMpi.Success && finalized == 0) _mpi.Check(_mpi.Finalize(), "MPI_Finalize");
    }
}
