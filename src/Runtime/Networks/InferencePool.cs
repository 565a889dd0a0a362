using System;

namespace Unroll;

/// <summary>
/// Serves inference from many threads on one copy of a network's weights. Each call borrows an inference context
/// (<see cref="INetwork{TSelf}.CreateInferenceContext"/>: the shared parameters, its own activation buffers), runs on it
/// and gives it back. The pool creates a context only when every one it has is busy, so it holds as many as the most
/// calls that ever overlapped; after that, calls allocate nothing.
/// </summary>
/// <example>
/// <code>
/// var pool = new InferencePool&lt;LeNet5&gt;(trained);
/// Parallel.For(0, requests.Length, i => answers[i] = pool.PredictClass(requests[i]));
/// </code>
/// </example>
/// <remarks>The shared weights must not change while calls run: train or load weights only when the pool is idle.</remarks>
public sealed class InferencePool<TNetwork> where TNetwork : class, INetwork<TNetwork>
{
    private readonly object _lock = new();
    private TNetwork[] _idle = new TNetwork[Environment.ProcessorCount];
    private int _idleCount;

    /// <param name="network">The network whose parameters every context shares.</param>
    /// <param name="capacity">The largest batch one context takes at a time; <see cref="Predict"/> splits larger inputs.</param>
    public InferencePool(TNetwork network, int capacity = 1)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity (the largest batch of one context) must be at least 1.");
        Network = network;
        Capacity = capacity;
    }

    /// <summary>The network whose parameters the contexts share.</summary>
    public TNetwork Network { get; }

    /// <summary>The capacity of each context.</summary>
    public int Capacity { get; }

    /// <summary>Borrows a context for the calling thread until the lease is disposed.</summary>
    public Lease Rent()
    {
        lock (_lock)
        {
            if (_idleCount > 0)
            {
                var context = _idle[--_idleCount];
                _idle[_idleCount] = null!;
                return new Lease(this, context);
            }
        }
        return new Lease(this, Network.CreateInferenceContext(Capacity));
    }

    private void Return(TNetwork context)
    {
        lock (_lock)
        {
            if (_idleCount == _idle.Length) Array.Resize(ref _idle, _idle.Length * 2);
            _idle[_idleCount++] = context;
        }
    }

    /// <summary>As <see cref="NetworkExtensions.Predict{TNetwork}(TNetwork, ReadOnlySpan{float}, Span{float}, bool)"/>, on a borrowed context.</summary>
    public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, bool validateInput = true)
    {
        using var lease = Rent();
        lease.Context.Predict(inputs, outputs, validateInput);
    }

    /// <summary>As <see cref="NetworkExtensions.PredictClass{TNetwork}(TNetwork, ReadOnlySpan{float}, bool)"/>, on a borrowed context.</summary>
    public int PredictClass(ReadOnlySpan<float> sample, bool validateInput = true)
    {
        using var lease = Rent();
        return lease.Context.PredictClass(sample, validateInput);
    }

    /// <summary>A borrowed context; disposing it gives the context back to the pool.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly InferencePool<TNetwork> _pool;

        internal Lease(InferencePool<TNetwork> pool, TNetwork context) => (_pool, Context) = (pool, context);

        /// <summary>The context, for this thread's use until the lease is disposed.</summary>
        public TNetwork Context { get; }

        /// <summary>Gives the context back.</summary>
        public void Dispose() => _pool?.Return(Context);
    }
}
