namespace Unroll;

/// <summary>
/// The few collective operations data-parallel training needs, over a fixed group of processes (ranks), every rank
/// calling them in the same order. <c>Unroll.Distributed</c>'s <c>MpiCommunicator</c> implements it on MPI; the
/// runtime itself depends on no transport.
/// </summary>
/// <remarks>
/// Only sums are needed: a broadcast is a sum to which every rank but the sender adds zeros (exact, as <c>x + 0 = x</c>),
/// so that every wait is a polled request that <see cref="DataParallel"/> can give up on after its
/// <see cref="DataParallel.Timeout"/>, and no rank can block for ever on one that died.
/// </remarks>
public interface ICommunicator
{
    /// <summary>This process's rank, from 0 to <see cref="Size"/> - 1.</summary>
    int Rank { get; }

    /// <summary>Ranks in the group.</summary>
    int Size { get; }

    /// <summary>
    /// Starts summing <paramref name="values"/>[<paramref name="start"/>..+<paramref name="count"/>] element-wise across
    /// every rank, in place: when <see cref="Test"/> says the request is complete, every rank holds the same sums. The
    /// values must not be touched before then. Every rank must start the same sums, of the same lengths, in the same order.
    /// </summary>
    /// <returns>The request, for <see cref="Test"/>.</returns>
    long StartSum(float[] values, int start, int count);

    /// <inheritdoc cref="StartSum(float[], int, int)"/>
    long StartSum(double[] values, int start, int count);

    /// <summary>Whether <paramref name="request"/> is complete (it is then released: do not test it again); drives its progress.</summary>
    bool Test(long request);

    /// <summary>Stops every rank of the group with <paramref name="exitCode"/> (MPI_Abort): for an error that one rank cannot recover from alone.</summary>
    void Abort(int exitCode);
}
