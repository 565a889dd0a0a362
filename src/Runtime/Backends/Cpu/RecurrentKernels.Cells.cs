using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Unroll;

/// <summary>
/// The cells' arithmetic for one sample and one step, each gate's whole formula in one pass over the units (SIMD-wide,
/// then a scalar tail): a step reads and writes each value once instead of once per elementwise operation, which
/// measured as costly as the step's matrix product. One small method per cell and width: a single method for every
/// cell ran several times slower (the JIT stops keeping values in registers when a method grows that large).
/// </summary>
internal static partial class RecurrentKernels
{
    /// <summary>
    /// One step forward. On entry the gates of <paramref name="row"/> hold x·W_ihᵀ; on return <paramref name="row"/> is
    /// the step's state. <paramref name="hidden"/> is W_hh·h(t − 1) without its bias; <paramref name="previous"/> the
    /// step before's [h | c]; both are empty at the first step, where h(t − 1) = c(t − 1) = 0.
    /// </summary>
    private static void StepForward(RecurrentCell cell, int units, Span<float> row, ReadOnlySpan<float> hidden,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> previous)
    {
        int gates = (int)cell * units;
        if (row.Length < gates + units * (cell == RecurrentCell.SimpleRnn ? 1 : 2) || biasIh.Length < gates || biasHh.Length < gates
            || hidden.Length is not 0 && hidden.Length < gates || previous.Length is not 0 && previous.Length < row.Length - gates)
            throw new ArgumentException($"Recurrent step: spans too short for a {cell} of {units} units.");
        var c = new Cursor(row, hidden, biasIh, biasHh, previous);
        switch (cell)
        {
            case RecurrentCell.SimpleRnn: Forward<RnnCell>(units, c); break;
            case RecurrentCell.Lstm: Forward<LstmCell>(units, c); break;
            default: Forward<GruCell>(units, c); break;
        }
    }

    /// <summary>
    /// One step of one sample in reverse: from dL/dh (the carried part plus <paramref name="output"/>'s, when this step
    /// is an output) to the gradients of the gates' input part (<paramref name="dGates"/>) and hidden part
    /// (<paramref name="dHidden"/>, the GRU's only: the others' are the input part's), each also added into its bias
    /// gradient (the others': into <paramref name="biasIh"/> only); leaves in <paramref name="carry"/> what passes to
    /// the step before without W_hh (the GRU's z ⊙ dh, the LSTM's dL/dc).
    /// </summary>
    private static void StepBackward(RecurrentCell cell, int units, ReadOnlySpan<float> row, ReadOnlySpan<float> previous,
        ReadOnlySpan<float> output, Span<float> carry, Span<float> dGates, Span<float> dHidden, Span<float> biasIh, Span<float> biasHh)
    {
        int gates = (int)cell * units;
        if (row.Length < gates + units || carry.Length < 2 * units || dGates.Length < gates || biasIh.Length < gates
            || cell == RecurrentCell.Gru && (dHidden.Length < gates || biasHh.Length < gates) || output.Length is not 0 && output.Length < units
            || previous.Length is not 0 && previous.Length < row.Length - gates)
            throw new ArgumentException($"Recurrent step: spans too short for a {cell} of {units} units.");
        var c = new BackwardCursor(row, previous, output, carry, dGates, dHidden, biasIh, biasHh);
        switch (cell)
        {
            case RecurrentCell.SimpleRnn: Backward<RnnCell>(units, c); break;
            case RecurrentCell.Lstm: Backward<LstmCell>(units, c); break;
            default: Backward<GruCell>(units, c); break;
        }
    }

    /// <summary>The references a forward step reads and writes; <see cref="First"/> when there is no step before.</summary>
    private readonly ref struct Cursor(Span<float> row, ReadOnlySpan<float> hidden, ReadOnlySpan<float> biasIh,
        ReadOnlySpan<float> biasHh, ReadOnlySpan<float> previous)
    {
        public readonly ref float Row = ref MemoryMarshal.GetReference(row);
        public readonly ref float Hidden = ref MemoryMarshal.GetReference(hidden);
        public readonly ref float BiasIh = ref MemoryMarshal.GetReference(biasIh);
        public readonly ref float BiasHh = ref MemoryMarshal.GetReference(biasHh);
        public readonly ref float Previous = ref MemoryMarshal.GetReference(previous);
        public readonly bool First = previous.IsEmpty;

        /// <summary>A gate's pre-activation at offset <paramref name="at"/>: its input part, its two biases, its hidden part.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Pre<T>(int at) where T : struct, ILanes<T>
        {
            var pre = T.Load(ref Row, at) + T.Load(ref BiasIh, at);
            var hidden = T.Load(ref BiasHh, at);
            return First ? pre + hidden : pre + (hidden + T.Load(ref Hidden, at));
        }
    }

    /// <summary>The references a backward step reads and writes.</summary>
    private readonly ref struct BackwardCursor(ReadOnlySpan<float> row, ReadOnlySpan<float> previous, ReadOnlySpan<float> output,
        Span<float> carry, Span<float> dGates, Span<float> dHidden, Span<float> biasIh, Span<float> biasHh)
    {
        public readonly ref float Row = ref MemoryMarshal.GetReference(row);
        public readonly ref float Previous = ref MemoryMarshal.GetReference(previous);
        public readonly ref float Output = ref MemoryMarshal.GetReference(output);
        public readonly ref float Carry = ref MemoryMarshal.GetReference(carry);
        public readonly ref float DGates = ref MemoryMarshal.GetReference(dGates);
        public readonly ref float DHidden = ref MemoryMarshal.GetReference(dHidden);
        public readonly ref float BiasIh = ref MemoryMarshal.GetReference(biasIh);
        public readonly ref float BiasHh = ref MemoryMarshal.GetReference(biasHh);
        public readonly bool First = previous.IsEmpty;
        public readonly bool IsOutput = !output.IsEmpty;

        /// <summary>dL/dh at <paramref name="i"/>: the carried part, plus the output's when this step is an output.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Dh<T>(int i) where T : struct, ILanes<T>
            => IsOutput ? T.Load(ref Carry, i) + T.Load(ref Output, i) : T.Load(ref Carry, i);

        /// <summary>Writes a gate's gradient at offset <paramref name="at"/> and adds it into its bias gradient.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Put<T>(int at, T input) where T : struct, ILanes<T>
        {
            T.Store(input, ref DGates, at);
            T.Store(T.Load(ref BiasIh, at) + input, ref BiasIh, at);
        }

        /// <summary>As <see cref="Put{T}(int, T)"/>, and the hidden part's gradient too (the GRU's).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Put<T>(int at, T input, T hidden) where T : struct, ILanes<T>
        {
            Put(at, input);
            T.Store(hidden, ref DHidden, at);
            T.Store(T.Load(ref BiasHh, at) + hidden, ref BiasHh, at);
        }
    }

    /// <summary>A cell's step over units [i, i + T.Count·k), k as many whole widths as fit; returns where it stopped.</summary>
    private interface ICell
    {
        static abstract int Forward<T>(int units, in Cursor c, int i) where T : struct, ILanes<T>;
        static abstract int Backward<T>(int units, in BackwardCursor c, int i) where T : struct, ILanes<T>;
    }

    private static void Forward<TCell>(int units, in Cursor c) where TCell : ICell
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) i = TCell.Forward<Lanes512>(units, c, i);
        else if (Vector256.IsHardwareAccelerated) i = TCell.Forward<Lanes256>(units, c, i);
        TCell.Forward<Lanes1>(units, c, i);
    }

    private static void Backward<TCell>(int units, in BackwardCursor c) where TCell : ICell
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) i = TCell.Backward<Lanes512>(units, c, i);
        else if (Vector256.IsHardwareAccelerated) i = TCell.Backward<Lanes256>(units, c, i);
        TCell.Backward<Lanes1>(units, c, i);
    }

    private readonly struct RnnCell : ICell
    {
        public static int Forward<T>(int units, in Cursor c, int i) where T : struct, ILanes<T>
        {
            for (; i <= units - T.Count; i += T.Count)
            {
                var a = c.Pre<T>(i);
                T.Store(a, ref c.Row, i);
                T.Store(Tanh(a), ref c.Row, units + i);
            }
            return i;
        }

        public static int Backward<T>(int units, in BackwardCursor c, int i) where T : struct, ILanes<T>
        {
            var one = T.Create(1f);
            for (; i <= units - T.Count; i += T.Count)
            {
                // d(pre-activation) = dh ⊙ (1 − h²).
                var h = T.Load(ref c.Row, units + i);
                c.Put(i, c.Dh<T>(i) * (one - h * h));
                T.Store(T.Create(0f), ref c.Carry, i);
            }
            return i;
        }
    }

    private readonly struct LstmCell : ICell
    {
        public static int Forward<T>(int units, in Cursor c, int i) where T : struct, ILanes<T>
        {
            ref float row = ref c.Row;
            for (; i <= units - T.Count; i += T.Count)
            {
                // c = f ⊙ c(t − 1) + i ⊙ g; h = o ⊙ tanh(c).
                var ig = Sigmoid(c.Pre<T>(i));
                var f = Sigmoid(c.Pre<T>(units + i));
                var g = Tanh(c.Pre<T>(2 * units + i));
                var o = Sigmoid(c.Pre<T>(3 * units + i));
                var state = c.First ? ig * g : f * T.Load(ref c.Previous, units + i) + ig * g;
                T.Store(ig, ref row, i);
                T.Store(f, ref row, units + i);
                T.Store(g, ref row, 2 * units + i);
                T.Store(o, ref row, 3 * units + i);
                T.Store(o * Tanh(state), ref row, 4 * units + i);
                T.Store(state, ref row, 5 * units + i);
            }
            return i;
        }

        public static int Backward<T>(int units, in BackwardCursor c, int i) where T : struct, ILanes<T>
        {
            ref float row = ref c.Row;
            var one = T.Create(1f);
            for (; i <= units - T.Count; i += T.Count)
            {
                var dh = c.Dh<T>(i);
                var ig = T.Load(ref row, i);
                var f = T.Load(ref row, units + i);
                var g = T.Load(ref row, 2 * units + i);
                var o = T.Load(ref row, 3 * units + i);
                var tanhC = Tanh(T.Load(ref row, 5 * units + i));
                // dc = dh ⊙ o ⊙ (1 − tanh²(c)) + the carried dL/dc, of which f ⊙ dc passes to c(t − 1).
                var dc = dh * o * (one - tanhC * tanhC) + T.Load(ref c.Carry, units + i);
                // di = dc ⊙ g ⊙ i(1 − i); df = dc ⊙ c(t − 1) ⊙ f(1 − f); dg = dc ⊙ i ⊙ (1 − g²); do = dh ⊙ tanh(c) ⊙ o(1 − o).
                c.Put(i, dc * g * (ig * (one - ig)));
                c.Put(units + i, c.First ? T.Create(0f) : dc * T.Load(ref c.Previous, units + i) * (f * (one - f)));
                c.Put(2 * units + i, dc * ig * (one - g * g));
                c.Put(3 * units + i, dh * tanhC * (o * (one - o)));
                T.Store(T.Create(0f), ref c.Carry, i);
                T.Store(dc * f, ref c.Carry, units + i);
            }
            return i;
        }
    }

    private readonly struct GruCell : ICell
    {
        public static int Forward<T>(int units, in Cursor c, int i) where T : struct, ILanes<T>
        {
            ref float row = ref c.Row;
            for (; i <= units - T.Count; i += T.Count)
            {
                // n = tanh(x_n + b_in + r ⊙ (W_hn·h + b_hn)); h = (1 − z) ⊙ n + z ⊙ h(t − 1) = n + z ⊙ (h(t − 1) − n).
                var r = Sigmoid(c.Pre<T>(i));
                var z = Sigmoid(c.Pre<T>(units + i));
                var hn = c.First ? T.Load(ref c.BiasHh, 2 * units + i) : T.Load(ref c.BiasHh, 2 * units + i) + T.Load(ref c.Hidden, 2 * units + i);
                var n = Tanh(T.Load(ref row, 2 * units + i) + T.Load(ref c.BiasIh, 2 * units + i) + r * hn);
                var hPrevious = c.First ? T.Create(0f) : T.Load(ref c.Previous, i);
                T.Store(r, ref row, i);
                T.Store(z, ref row, units + i);
                T.Store(n, ref row, 2 * units + i);
                T.Store(n + z * (hPrevious - n), ref row, 3 * units + i);
                T.Store(hn, ref row, 4 * units + i);
            }
            return i;
        }

        public static int Backward<T>(int units, in BackwardCursor c, int i) where T : struct, ILanes<T>
        {
            ref float row = ref c.Row;
            var one = T.Create(1f);
            for (; i <= units - T.Count; i += T.Count)
            {
                var dh = c.Dh<T>(i);
                var r = T.Load(ref row, i);
                var z = T.Load(ref row, units + i);
                var n = T.Load(ref row, 2 * units + i);
                var hn = T.Load(ref row, 4 * units + i);
                var hPrevious = c.First ? T.Create(0f) : T.Load(ref c.Previous, i);
                // dxn = dh ⊙ (1 − z) ⊙ (1 − n²); dr = dxn ⊙ (W_hn·h + b_hn) ⊙ r(1 − r); dz = dh ⊙ (h(t − 1) − n) ⊙ z(1 − z).
                var dxn = dh * (one - z) * (one - n * n);
                var dr = dxn * hn * (r * (one - r));
                var dz = dh * (hPrevious - n) * (z * (one - z));
                c.Put(i, dr, dr);
                c.Put(units + i, dz, dz);
                // The hidden part of n's gradient is dxn ⊙ r; what passes to h(t − 1) directly is z ⊙ dh.
                c.Put(2 * units + i, dxn, dxn * r);
                T.Store(dh * z, ref c.Carry, i);
            }
            return i;
        }
    }

    /// <summary>σ(x) = (1 + tanh(x / 2)) / 2: within 1.5e-7 of σ (absolute), NaN for NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Sigmoid<T>(T x) where T : struct, ILanes<T>
    {
        var half = T.Create(0.5f);
        return T.FusedMultiplyAdd(half, Tanh(half * x), half);
    }

    /// <summary>
    /// tanh as the rational function Eigen's <c>generic_fast_tanh_float</c> uses (odd degree 13 over even degree 6,
    /// clamped to ±7.9053, where it reaches 1 − 2.4e-7): within 3e-7 of tanh, absolute and relative, for every float
    /// (RecurrentTests checks it), NaN for NaN, and a fraction of the time of TensorPrimitives.Tanh.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Tanh<T>(T a) where T : struct, ILanes<T>
    {
        var x = T.Clamp(a, -7.90531110763549805f, 7.90531110763549805f);
        var x2 = x * x;
        var p = T.FusedMultiplyAdd(x2, T.Create(-2.76076847742355e-16f), T.Create(2.00018790482477e-13f));
        p = T.FusedMultiplyAdd(p, x2, T.Create(-8.60467152213735e-11f));
        p = T.FusedMultiplyAdd(p, x2, T.Create(5.12229709037114e-08f));
        p = T.FusedMultiplyAdd(p, x2, T.Create(1.48572235717979e-05f));
        p = T.FusedMultiplyAdd(p, x2, T.Create(6.37261928875436e-04f));
        p = T.FusedMultiplyAdd(p, x2, T.Create(4.89352455891786e-03f));
        var q = T.FusedMultiplyAdd(x2, T.Create(1.19825839466702e-06f), T.Create(1.18534705686654e-04f));
        q = T.FusedMultiplyAdd(q, x2, T.Create(2.26843463243900e-03f));
        q = T.FusedMultiplyAdd(q, x2, T.Create(4.89352518554385e-03f));
        return x * p / q;
    }
}
