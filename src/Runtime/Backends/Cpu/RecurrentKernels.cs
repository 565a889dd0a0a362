using System;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>
/// Recurrent layers over (batch, steps, inputs) sequences, one direction a call. The samples are split into shares, one
/// a thread, each running every step for its own samples with no join between steps: a step's input and hidden
/// projections are two small products with the weights packed once a pass, then the cell's arithmetic in one pass over
/// the units, which finds the products' results still in cache. States row (b, t) holds [gates | h | c (LSTM) or
/// W_hn·h + b_hn (GRU)], the gates activated. Backward runs the steps in reverse, carrying dL/dh (and dL/dc) to the
/// step before, summing the bias gradients as it goes, and then forms the weight gradients as two products over all
/// steps. Every sum runs in a fixed order, so results repeat bit for bit.
/// </summary>
internal static partial class RecurrentKernels
{
    // Below this batch a step's hidden projection is dot products over rows of W_hh: cheaper than packing W_hh for a GEMM
    // at every step (as DenseKernels does for small batches).
    private const int DotBatchLimit = 4;

    private static void Check(in RecurrentGeometry g)
    {
        if (!Enum.IsDefined(g.Cell) || g.Steps < 1 || g.Inputs < 1 || g.Units < 1 || g.OutputOffset < 0
            || (long)g.OutputOffset + g.Units > g.OutputFeatures)
            throw new ArgumentException(
                $"Recurrent: a {g.Cell} of {g.Units} units over {g.Steps} steps of {g.Inputs} inputs, writing features [{g.OutputOffset}, {(long)g.OutputOffset + g.Units}) of {g.OutputFeatures}, is not a valid geometry.");
    }

    public static void Forward(FloatBuffer input, FloatBuffer output, in RecurrentBuffers buffers, int batch, in RecurrentGeometry g)
    {
        const string op = "RecurrentForward";
        Check(g);
        var pass = Pass.Instance;
        pass.Start(backward: false, batch, g,
            x: KernelArgs.Need(input, nameof(input), batch, g.InputSize, op),
            y: KernelArgs.Need(output, nameof(output), batch, g.OutputSize, op),
            wih: KernelArgs.Need(buffers.WeightIh, "weightIh", g.GateSize, g.Inputs, op),
            whh: KernelArgs.Need(buffers.WeightHh, "weightHh", g.GateSize, g.Units, op),
            bih: KernelArgs.Need(buffers.BiasIh, "biasIh", 1, g.GateSize, op),
            bhh: KernelArgs.Need(buffers.BiasHh, "biasHh", 1, g.GateSize, op),
            st: KernelArgs.Need(buffers.States, "states", batch, g.StatesLength, op),
            sc: KernelArgs.Need(buffers.Step, "step", batch, g.StepLength, op));
        pass.Run();
    }

    public static void Backward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        in RecurrentBuffers buffers, in RecurrentGradients gradients, int batch, in RecurrentGeometry g)
    {
        const string op = "RecurrentBackward";
        Check(g);
        int steps = g.Steps, units = g.Units, gates = g.GateSize, state = g.StateSize;
        var x = KernelArgs.Need(input, nameof(input), batch, g.InputSize, op);
        var dx = KernelArgs.NeedOptional(inputGradient, nameof(inputGradient), batch, g.InputSize, op);
        var wih = KernelArgs.Need(buffers.WeightIh, "weightIh", gates, g.Inputs, op);
        var st = KernelArgs.Need(buffers.States, "states", batch, g.StatesLength, op);
        var dwih = KernelArgs.Need(gradients.WeightIh, "weightIhGradient", gates, g.Inputs, op);
        var dwhh = KernelArgs.Need(gradients.WeightHh, "weightHhGradient", gates, units, op);
        var dbih = KernelArgs.Need(gradients.BiasIh, "biasIhGradient", 1, gates, op);
        var dbhh = KernelArgs.Need(gradients.BiasHh, "biasHhGradient", 1, gates, op);
        var dg = KernelArgs.Need(gradients.Gates, "gates", batch, g.GateGradientLength, op);
        // The hidden part's gradient differs from the input part's only in the GRU's n gate; the others share dg.
        var dgh = g.Cell == RecurrentCell.Gru ? KernelArgs.Need(gradients.HiddenGates, "hiddenGates", batch, g.GateGradientLength, op) : dg;

        var pass = Pass.Instance;
        pass.Start(backward: true, batch, g, x, KernelArgs.Need(outputGradient, nameof(outputGradient), batch, g.OutputSize, op), wih,
            KernelArgs.Need(buffers.WeightHh, "weightHh", gates, units, op), dbih, dbhh, st,
            KernelArgs.Need(buffers.Step, "step", batch, g.StepLength, op), dg, dgh);
        pass.Run();
        if (dgh == dg) dbih.AsSpan(0, gates).CopyTo(dbhh);

        // dW_ih = Σ over (b, t) of d(gates)ᵀ·x, one product over every step; dx = d(gates)·W_ih, likewise.
        Gemm.MultiplyParallel(true, false, gates, g.Inputs, batch * steps, 1f, dg, gates, x, g.Inputs, 0f, dwih, g.Inputs);
        if (dx is not null)
            Gemm.MultiplyParallel(false, false, batch * steps, g.Inputs, gates, 1f, dg, gates, wih, g.Inputs,
                g.AccumulateInputGradient ? 1f : 0f, dx, g.Inputs);
        // dW_hh = Σ over (b, t) of d(hidden gates)ᵀ·h(t − 1), also one product: pairing hidden-gate row (b, t) with state
        // row (b, t − 1) over all batch·steps rows at once (shifted by one row; by one the other way when reversed) also
        // pairs each sample's first processed step with the sample before's last state, so those rows, which meet
        // h = 0 and add nothing, are zeroed first (last, as they may be dg's, which the products above read).
        if (steps == 1)
        {
            Array.Clear(dwhh, 0, gates * units);
        }
        else
        {
            for (int b = 0; b < batch; b++) new Span<float>(dgh, (b * steps + (g.Reverse ? steps - 1 : 0)) * gates, gates).Clear();
            int gradientRow = g.Reverse ? 0 : 1, hiddenRow = g.Reverse ? 1 : 0;
            Gemm.MultiplyParallel(true, false, gates, units, batch * steps - 1, 1f, dgh.AsMemory(gradientRow * gates), gates,
                st.AsMemory(hiddenRow * state + gates), state, 0f, dwhh, units);
        }
    }

    /// <summary>
    /// The steps of one pass, split by samples: each sample's recurrence is its own, so a share runs every step for its
    /// samples. A sample's results do not depend on the share it falls in; backward's bias gradients are summed per
    /// share and then over shares in order.
    /// </summary>
    private sealed class Pass : ParallelWork
    {
        [ThreadStatic] private static Pass? _instance;
        public static Pass Instance => _instance ??= new Pass();

        private bool _backward, _batched;
        private int _batch, _unit, _shares, _packedIhLength;
        private RecurrentGeometry _g;
        // Forward: y is the output, bih/bhh the biases. Backward: y is the output's gradient, bih/bhh the bias gradients.
        private float[]? _x, _y, _wih, _whh, _bih, _bhh, _st, _sc, _dg, _dgh;
        // The weights packed for the per-step products (forward: W_ihᵀ then W_hhᵀ; backward: W_hh), and the bias
        // gradients of shares 1 and on; both allocated once, at their largest.
        private float[] _packed = [], _partials = [];

        public void Start(bool backward, int batch, in RecurrentGeometry g, float[] x, float[] y, float[] wih, float[] whh,
            float[] bih, float[] bhh, float[] st, float[] sc, float[]? dg = null, float[]? dgh = null)
        {
            (_backward, _batch, _g, _x, _y, _wih, _whh, _bih, _bhh, _st, _sc, _dg, _dgh) = (backward, batch, g, x, y, wih, whh, bih, bhh, st, sc, dg, dgh);
            // Below DotBatchLimit samples a step's products are dot products over the weights' rows instead, cheaper than
            // packing; then forward's input projection is one product over every step, before the steps.
            _batched = batch >= DotBatchLimit;
            _unit = _batched ? Gemm.MR(Gemm.DefaultKernel) : 1;
            long work = (long)batch * g.Steps * g.GateSize * g.Units;
            _shares = work < Gemm.ParallelThreshold ? 1 : Math.Min(CpuParallel.ThreadCount, (batch + _unit - 1) / _unit);
            int gates = g.GateSize;
            if (_batched) Pack();
            else if (!backward) Gemm.MultiplyParallel(false, true, batch * g.Steps, gates, g.Inputs, 1f, x, g.Inputs, wih, g.Inputs, 0f, st, g.StateSize);
            if (backward)
            {
                Array.Clear(bih, 0, gates);
                Array.Clear(bhh, 0, gates);
                int length = 2 * gates * (_shares - 1);
                if (_partials.Length < length) _partials = new float[length];
                Array.Clear(_partials, 0, length);
            }
        }

        private void Pack()
        {
            var kernel = Gemm.DefaultKernel;
            int gates = _g.GateSize, units = _g.Units;
            _packedIhLength = _backward ? 0 : Gemm.PackedBLength(kernel, _g.Inputs, gates);
            int length = _packedIhLength + (_backward ? Gemm.PackedBLength(kernel, gates, units) : Gemm.PackedBLength(kernel, units, gates));
            if (_packed.Length < length) _packed = new float[length];
            if (_backward)
            {
                Gemm.PackB(kernel, false, gates, units, _whh, units, _packed);
            }
            else
            {
                Gemm.PackB(kernel, true, _g.Inputs, gates, _wih, _g.Inputs, _packed);
                Gemm.PackB(kernel, true, units, gates, _whh, units, _packed.AsSpan(_packedIhLength));
            }
        }

        /// <summary>Runs the shares, then (backward) adds shares 1 and on's bias gradients into share 0's, in order.</summary>
        public void Run()
        {
            try
            {
                CpuParallel.Run(this, _shares);
                int gates = _g.GateSize;
                for (int share = 1; _backward && share < _shares; share++)
                {
                    TensorPrimitives.Add(_bih.AsSpan(0, gates), _partials.AsSpan((share - 1) * 2 * gates, gates), _bih.AsSpan(0, gates));
                    TensorPrimitives.Add(_bhh.AsSpan(0, gates), _partials.AsSpan(((share - 1) * 2 + 1) * gates, gates), _bhh.AsSpan(0, gates));
                }
            }
            finally { _x = _y = _wih = _whh = _bih = _bhh = _st = _sc = _dg = _dgh = null; }
        }

        public override void Run(int worker, int workers)
        {
            int tiles = (_batch + _unit - 1) / _unit;
            int b0 = Math.Min(_batch, (int)((long)tiles * worker / workers) * _unit);
            int b1 = Math.Min(_batch, (int)((long)tiles * (worker + 1) / workers) * _unit);
            if (b0 >= b1) return;
            if (!_backward)
            {
                Forward(b0, b1);
                return;
            }
            int gates = _g.GateSize;
            var biasIh = worker == 0 ? _bih.AsSpan(0, gates) : _partials.AsSpan((worker - 1) * 2 * gates, gates);
            var biasHh = worker == 0 ? _bhh.AsSpan(0, gates) : _partials.AsSpan(((worker - 1) * 2 + 1) * gates, gates);
            Backward(b0, b1, biasIh, biasHh);
        }

        /// <summary>The forward steps of samples [b0, b1).</summary>
        private void Forward(int b0, int b1)
        {
            var g = _g;
            float[] x = _x!, y = _y!, whh = _whh!, st = _st!, sc = _sc!;
            int steps = g.Steps, units = g.Units, gates = g.GateSize, state = g.StateSize, stepLength = g.StepLength, rows = b1 - b0;
            var kernel = Gemm.DefaultKernel;
            for (int k = 0; k < steps; k++)
            {
                int t = g.Reverse ? steps - 1 - k : k, previous = g.Reverse ? t + 1 : t - 1;
                // The input projection x(b, t)·W_ihᵀ into the states' gates, and the hidden projection W_hh·h(t − 1) into
                // the step scratch (h before the first step is 0); the cell adds the biases.
                if (_batched)
                {
                    Gemm.MultiplyPackedB(kernel, false, rows, gates, g.Inputs, 1f, x.AsSpan((b0 * steps + t) * g.Inputs), steps * g.Inputs,
                        _packed, 0f, st.AsSpan((b0 * steps + t) * state), steps * state);
                    if (k > 0)
                        Gemm.MultiplyPackedB(kernel, false, rows, gates, units, 1f, st.AsSpan((b0 * steps + previous) * state + gates), steps * state,
                            _packed.AsSpan(_packedIhLength), 0f, sc.AsSpan(b0 * stepLength), stepLength);
                }
                else if (k > 0)
                {
                    for (int b = b0; b < b1; b++)
                    {
                        var hPrevious = new ReadOnlySpan<float>(st, (b * steps + previous) * state + gates, units);
                        var projection = new Span<float>(sc, b * stepLength, gates);
                        for (int r = 0; r < gates; r++) projection[r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(whh, r * units, units), hPrevious);
                    }
                }
                for (int b = b0; b < b1; b++)
                {
                    var row = new Span<float>(st, (b * steps + t) * state, state);
                    var hidden = k > 0 ? new ReadOnlySpan<float>(sc, b * stepLength, gates) : default;
                    var hPrevious = k > 0 ? new ReadOnlySpan<float>(st, (b * steps + previous) * state + gates, state - gates) : default;
                    StepForward(g.Cell, units, row, hidden, _bih, _bhh, hPrevious);
                    var h = row.Slice(gates, units);
                    if (g.ReturnSequences) h.CopyTo(new Span<float>(y, (b * steps + t) * g.OutputFeatures + g.OutputOffset, units));
                    else if (k == steps - 1) h.CopyTo(new Span<float>(y, b * g.OutputFeatures + g.OutputOffset, units));
                }
            }
        }

        /// <summary>
        /// The backward steps of samples [b0, b1), last step first: every step's gate gradients into dg (and dgh), summed
        /// into <paramref name="biasIh"/> and <paramref name="biasHh"/>.
        /// </summary>
        private void Backward(int b0, int b1, Span<float> biasIh, Span<float> biasHh)
        {
            var g = _g;
            float[] dy = _y!, whh = _whh!, st = _st!, sc = _sc!, dg = _dg!, dgh = _dgh!;
            bool shared = dgh == dg;
            int steps = g.Steps, units = g.Units, gates = g.GateSize, state = g.StateSize, stepLength = g.StepLength;
            // The carried gradients dL/dh and dL/dc of the step before, per sample, after the hidden projection's scratch.
            for (int b = b0; b < b1; b++) new Span<float>(sc, b * stepLength + gates, 2 * units).Clear();
            for (int k = steps - 1; k >= 0; k--)
            {
                int t = g.Reverse ? steps - 1 - k : k, previous = g.Reverse ? t + 1 : t - 1;
                for (int b = b0; b < b1; b++)
                {
                    var row = new ReadOnlySpan<float>(st, (b * steps + t) * state, state);
                    var hPrevious = k > 0 ? new ReadOnlySpan<float>(st, (b * steps + previous) * state + gates, state - gates) : default;
                    var carry = new Span<float>(sc, b * stepLength + gates, 2 * units);
                    var outputRow = g.ReturnSequences ? new ReadOnlySpan<float>(dy, (b * steps + t) * g.OutputFeatures + g.OutputOffset, units)
                        : k == steps - 1 ? new ReadOnlySpan<float>(dy, b * g.OutputFeatures + g.OutputOffset, units) : default;
                    StepBackward(g.Cell, units, row, hPrevious, outputRow, carry, new Span<float>(dg, (b * steps + t) * gates, gates),
                        shared ? default : new Span<float>(dgh, (b * steps + t) * gates, gates), biasIh, biasHh);
                }
                // dL/dh(t − 1) += dL/d(hidden gates)·W_hh (the GRU's direct path z ⊙ dh is already in the carry, the others' is 0).
                if (k > 0 && !_batched)
                {
                    for (int b = b0; b < b1; b++)
                    {
                        var carry = new Span<float>(sc, b * stepLength + gates, units);
                        var gradient = new ReadOnlySpan<float>(dgh, (b * steps + t) * gates, gates);
                        for (int r = 0; r < gates; r++) TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(whh, r * units, units), gradient[r], carry, carry);
                    }
                }
                else if (k > 0)
                {
                    Gemm.MultiplyPackedB(Gemm.DefaultKernel, false, b1 - b0, units, gates, 1f, dgh.AsSpan((b0 * steps + t) * gates), steps * gates,
                        _packed, g.Cell == RecurrentCell.Gru ? 1f : 0f, sc.AsSpan(b0 * stepLength + gates), stepLength);
                }
            }
        }
    }
}
