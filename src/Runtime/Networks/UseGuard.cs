using System;
using System.Threading;

namespace Unroll;

/// <summary>
/// Detects one network instance used from two threads at once. A network keeps its activations in its own buffers, so
/// two overlapping calls would overwrite each other's and return wrong answers silently; instead the second call throws.
/// Re-entrant on one thread (<c>Predict</c> holds it around the <c>Forward</c> it calls), and cheap: one compare-exchange
/// to enter and one write to leave.
/// </summary>
public sealed class UseGuard
{
    private readonly string _network;
    private int _owner; // managed id of the thread inside, 0 when none

    /// <param name="network">The network's type name, for the error message.</param>
    public UseGuard(string network) => _network = network ?? throw new ArgumentNullException(nameof(network));

    /// <summary>
    /// Claims the network for the calling thread until the returned scope is disposed; throws
    /// <see cref="InvalidOperationException"/> if another thread holds it.
    /// </summary>
    /// <param name="operation">What the caller is doing (<c>Forward</c>, <c>Predict</c>, …), for the error message.</param>
    public Scope Enter(string operation)
    {
        int me = Environment.CurrentManagedThreadId;
        int owner = Interlocked.CompareExchange(ref _owner, me, 0);
        if (owner == 0) return new Scope(this);
        if (owner == me) return default; // nested call on the thread that holds it: the outer scope releases
        throw new InvalidOperationException(
            $"{operation} was called on a {_network} that thread {owner} is using at the same time (this is thread {me}). " +
            $"A network instance runs one call at a time, because its activations live in its own buffers. " +
            $"For concurrent inference give each thread its own context, network.CreateInferenceContext(), which shares the " +
            $"parameters, or use an InferencePool<{_network}>; otherwise serialise the calls with a lock.");
    }

    /// <summary>Releases the guard when disposed, if this scope claimed it.</summary>
    public readonly ref struct Scope
    {
        private readonly UseGuard? _guard;

        internal Scope(UseGuard guard) => _guard = guard;

        /// <summary>Leaves the guarded section.</summary>
        public void Dispose()
        {
            if (_guard is not null) Volatile.Write(ref _guard._owner, 0);
        }
    }
}
