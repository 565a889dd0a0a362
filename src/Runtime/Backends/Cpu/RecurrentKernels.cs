using System;
using System.Numerics.Tensors;

namespace Unroll;

/// <summary>
/// Recurrent layers over (batch, steps, inputs) sequences, one direction a call. The input projection of every step is
/// one matrix product (batch·steps rows); each step then adds its hidden projection (a product of batch rows) and applies
/// the gates in one pass. States row (b, t) holds [gates | h | c (LSTM) or W_hn·h + b_hn (GRU)], the gates activated.
/// Backward runs the steps in reverse, carrying dL/dh (and dL/dc) to the step before, and then forms the weight
/// gradients as two products over all steps. Every sum runs in a fixed order, so results repeat bit for bit.
/// </summary>
internal static class RecurrentKernels
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
        int steps = g.Steps, units = g.Units, gates = g.GateSize, state = g.StateSize, stepLength = g.StepLength;
        var x = KernelArgs.Need(input, nameof(input), batch, g.InputSize, op);
        var y = KernelArgs.Need(output, nameof(output), batch, g.OutputSize, op);
        var wih = KernelArgs.Need(buffers.WeightIh, "weightIh", gates, g.Inputs, op);
        var whh = KernelArgs.Need(buffers.WeightHh, "weightHh", gates, units, op);
        var bih = KernelArgs.Need(buffers.BiasIh, "biasIh", 1, gates, op);
        var bhh = KernelArgs.Need(buffers.BiasHh, "biasHh", 1, gates, op);
        var st = KernelArgs.Need(buffers.States, "states", batch, g.StatesLength, op);
        var sc = KernelArgs.Need(buffers.Step, "step", batch, stepLength, op);

        // Every step's input projection at once: gates(b, t) = x(b, t)·W_ihᵀ + b_ih.
        for (int r = 0; r < batch * steps; r++) new ReadOnlySpan<float>(bih, 0, gates).CopyTo(new Span<float>(st, r * state, gates));
        Gemm.MultiplyParallel(false, true, batch * steps, gates, g.Inputs, 1f, x, g.Inputs, wih, g.Inputs, 1f, st, state);

        for (int k = 0; k < steps; k++)
        {
            int t = g.Reverse ? steps - 1 - k : k, previous = g.Reverse ? t + 1 : t - 1;
            // The hidden projection of every sample: W_hh·h(t − 1) + b_hh (h before the first step is 0).
            for (int b = 0; b < batch; b++) new ReadOnlySpan<float>(bhh, 0, gates).CopyTo(new Span<float>(sc, b * stepLength, gates));
            if (k > 0 && batch < DotBatchLimit)
            {
                for (int b = 0; b < batch; b++)
                {
                    var hPrevious = new ReadOnlySpan<float>(st, (b * steps + previous) * state + gates, units);
                    var projection = new Span<float>(sc, b * stepLength, gates);
                    for (int r = 0; r < gates; r++) projection[r] += TensorPrimitives.Dot(new ReadOnlySpan<float>(whh, r * units, units), hPrevious);
                }
            }
            else if (k > 0)
            {
                Gemm.MultiplyParallel(false, true, batch, gates, units, 1f, st.AsMemory(previous * state + gates), steps * state,
                    whh, units, 1f, sc, stepLength);
            }
            for (int b = 0; b < batch; b++)
            {
                var row = new Span<float>(st, (b * steps + t) * state, state);
                var hidden = new ReadOnlySpan<float>(sc, b * stepLength, gates);
                var hPrevious = k > 0 ? new ReadOnlySpan<float>(st, (b * steps + previous) * state + gates, state - gates) : default;
                Step(g.Cell, units, row, hidden, hPrevious);
                var h = row.Slice(gates, units);
                if (g.ReturnSequences) h.CopyTo(new Span<float>(y, (b * steps + t) * g.OutputFeatures + g.OutputOffset, units));
                else if (k == steps - 1) h.CopyTo(new Span<float>(y, b * g.OutputFeatures + g.OutputOffset, units));
            }
        }
    }

    /// <summary>
    /// One step of one sample: <paramref name="row"/> holds the input projection in its gates on entry and the step's
    /// state on return; <paramref name="previous"/> is the step before's [h | c] (empty before the first).
    /// </summary>
    private static void Step(RecurrentCell cell, int units, Span<float> row, ReadOnlySpan<float> hidden, ReadOnlySpan<float> previous)
    {
        int gates = (int)cell * units;
        var h = row.Slice(gates, units);
        switch (cell)
        {
            case RecurrentCell.SimpleRnn:
            {
                var a = row.Slice(0, units);
                TensorPrimitives.Add(a, hidden, a);
                TensorPrimitives.Tanh(a, h);
                break;
            }
            case RecurrentCell.Lstm:
            {
                var pre = row.Slice(0, gates);
                TensorPrimitives.Add(pre, hidden, pre);
                var i = pre.Slice(0, units);
                var f = pre.Slice(units, units);
                var gg = pre.Slice(2 * units, units);
                var o = pre.Slice(3 * units, units);
                TensorPrimitives.Sigmoid(i, i);
                TensorPrimitives.Sigmoid(f, f);
                TensorPrimitives.Tanh(gg, gg);
                TensorPrimitives.Sigmoid(o, o);
                // c = f ⊙ c(t − 1) + i ⊙ g; h = o ⊙ tanh(c).
                var c = row.Slice(gates + units, units);
                TensorPrimitives.Multiply(i, gg, c);
                if (!previous.IsEmpty) TensorPrimitives.FusedMultiplyAdd(f, previous.Slice(units, units), c, c);
                TensorPrimitives.Tanh(c, h);
                TensorPrimitives.Multiply(o, h, h);
                break;
            }
            case RecurrentCell.Gru:
            {
                var r = row.Slice(0, units);
                var z = row.Slice(units, units);
                var n = row.Slice(2 * units, units);
                var hn = row.Slice(gates + units, units);
                TensorPrimitives.Add(r, hidden.Slice(0, units), r);
                TensorPrimitives.Sigmoid(r, r);
                TensorPrimitives.Add(z, hidden.Slice(units, units), z);
                TensorPrimitives.Sigmoid(z, z);
                hidden.Slice(2 * units, units).CopyTo(hn);
                // n = tanh(x_n + r ⊙ (W_hn·h + b_hn)); h = (1 − z) ⊙ n + z ⊙ h(t − 1) = n + z ⊙ (h(t − 1) − n).
                TensorPrimitives.FusedMultiplyAdd(r, hn, n, n);
                TensorPrimitives.Tanh(n, n);
                if (previous.IsEmpty) TensorPrimitives.Negate(n, h);
                else TensorPrimitives.Subtract(previous.Slice(0, units), n, h);
                TensorPrimitives.FusedMultiplyAdd(z, h, n, h);
                break;
            }
        }
    }

    public static void Backward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        in RecurrentBuffers buffers, in RecurrentGradients gradients, int batch, in RecurrentGeometry g)
    {
        const string op = "RecurrentBackward";
        Check(g);
        int steps = g.Steps, units = g.Units, gates = g.GateSize, state = g.StateSize, stepLength = g.StepLength;
        var x = KernelArgs.Need(input, nameof(input), batch, g.InputSize, op);
        var dy = KernelArgs.Need(outputGradient, nameof(outputGradient), batch, g.OutputSize, op);
        var dx = KernelArgs.NeedOptional(inputGradient, nameof(inputGradient), batch, g.InputSize, op);
        var wih = KernelArgs.Need(buffers.WeightIh, "weightIh", gates, g.Inputs, op);
        var whh = KernelArgs.Need(buffers.WeightHh, "weightHh", gates, units, op);
        var st = KernelArgs.Need(buffers.States, "states", batch, g.StatesLength, op);
        var sc = KernelArgs.Need(buffers.Step, "step", batch, stepLength, op);
        var dwih = KernelArgs.Need(gradients.WeightIh, "weightIhGradient", gates, g.Inputs, op);
        var dwhh = KernelArgs.Need(gradients.WeightHh, "weightHhGradient", gates, units, op);
        var dbih = KernelArgs.Need(gradients.BiasIh, "biasIhGradient", 1, gates, op);
        var dbhh = KernelArgs.Need(gradients.BiasHh, "biasHhGradient", 1, gates, op);
        var dg = KernelArgs.Need(gradients.Gates, "gates", batch, g.GateGradientLength, op);
        var dgh = KernelArgs.Need(gradients.HiddenGates, "hiddenGates", batch, g.GateGradientLength, op);

        // The carried gradients dL/dh and dL/dc of the step before, per sample, after the hidden projection's scratch.
        for (int b = 0; b < batch; b++) new Span<float>(sc, b * stepLength + gates, 2 * units).Clear();
        for (int k = steps - 1; k >= 0; k--)
        {
            int t = g.Reverse ? steps - 1 - k : k, previous = g.Reverse ? t + 1 : t - 1;
            for (int b = 0; b < batch; b++)
            {
                var row = new ReadOnlySpan<float>(st, (b * steps + t) * state, state);
                var hPrevious = k > 0 ? new ReadOnlySpan<float>(st, (b * steps + previous) * state + gates, state - gates) : default;
                var carry = new Span<float>(sc, b * stepLength + gates, 2 * units);
                var outputRow = g.ReturnSequences ? new ReadOnlySpan<float>(dy, (b * steps + t) * g.OutputFeatures + g.OutputOffset, units)
                    : k == steps - 1 ? new ReadOnlySpan<float>(dy, b * g.OutputFeatures + g.OutputOffset, units) : default;
                StepBackward(g.Cell, units, row, hPrevious, outputRow, carry,
                    new Span<float>(dg, (b * steps + t) * gates, gates), new Span<float>(dgh, (b * steps + t) * gates, gates));
            }
            // dL/dh(t − 1) += dL/d(hidden gates)·W_hh (the GRU's direct path z ⊙ dh is already in the carry, the others' is 0).
            if (k > 0 && batch < DotBatchLimit)
            {
                for (int b = 0; b < batch; b++)
                {
                    var carry = new Span<float>(sc, b * stepLength + gates, units);
                    var gradient = new ReadOnlySpan<float>(dgh, (b * steps + t) * gates, gates);
                    for (int r = 0; r < gates; r++) TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(whh, r * units, units), gradient[r], carry, carry);
                }
            }
            else if (k > 0)
            {
                Gemm.MultiplyParallel(false, false, batch, units, gates, 1f, dgh.AsMemory(t * gates), steps * gates, whh, units,
                    g.Cell == RecurrentCell.Gru ? 1f : 0f, sc.AsMemory(gates), stepLength);
            }
        }

        // Bias gradients: every step's gate gradients summed, in row order.
        var biasIh = new Span<float>(dbih, 0, gates);
        var biasHh = new Span<float>(dbhh, 0, gates);
        biasIh.Clear();
        biasHh.Clear();
        for (int r = 0; r < batch * steps; r++)
        {
            TensorPrimitives.Add(biasIh, new ReadOnlySpan<float>(dg, r * gates, gates), biasIh);
            TensorPrimitives.Add(biasHh, new ReadOnlySpan<float>(dgh, r * gates, gates), biasHh);
        }

        // dW_ih = Σ over (b, t) of d(gates)ᵀ·x, one product over every step.
        Gemm.MultiplyParallel(true, false, gates, g.Inputs, batch * steps, 1f, dg, gates, x, g.Inputs, 0f, dwih, g.Inputs);
        // dW_hh = Σ over (b, t) of d(hidden gates)ᵀ·h(t − 1), also one product: pairing hidden-gate row (b, t) with state
        // row (b, t − 1) over all batch·steps rows at once (shifted by one row; by one the other way when reversed) also
        // pairs each sample's first processed step with the sample before's last state, so those rows, which meet
        // h = 0 and add nothing, are zeroed first.
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
        // dx = d(gates)·W_ih, for every step at once.
        if (dx is not null)
            Gemm.MultiplyParallel(false, false, batch * steps, g.Inputs, gates, 1f, dg, gates, wih, g.Inputs,
                g.AccumulateInputGradient ? 1f : 0f, dx, g.Inputs);
    }

    /// <summary>
    /// One step of one sample in reverse: from dL/dh (the carried part plus <paramref name="output"/>'s, when this step is
    /// an output) to the gradients of the gates' input part (<paramref name="dGates"/>) and hidden part
    /// (<paramref name="dHidden"/>); leaves in <paramref name="carry"/> what passes to the step before without W_hh
    /// (the GRU's z ⊙ dh; the LSTM's dL/dc). Whole rows at a time; <paramref name="dHidden"/> serves as scratch until
    /// it is written last.
    /// </summary>
    private static void StepBackward(RecurrentCell cell, int units, ReadOnlySpan<float> row, ReadOnlySpan<float> previous,
        ReadOnlySpan<float> output, Span<float> carry, Span<float> dGates, Span<float> dHidden)
    {
        int gates = (int)cell * units;
        var dh = carry.Slice(0, units);
        if (!output.IsEmpty) TensorPrimitives.Add(dh, output, dh);
        switch (cell)
        {
            case RecurrentCell.SimpleRnn:
            {
                // d(pre-activation) = dh ⊙ (1 − h²).
                var h = row.Slice(gates, units);
                var da = dGates.Slice(0, units);
                TanhSlope(h, da);
                TensorPrimitives.Multiply(da, dh, da);
                dh.Clear();
                break;
            }
            case RecurrentCell.Lstm:
            {
                var i = row.Slice(0, units);
                var f = row.Slice(units, units);
                var gg = row.Slice(2 * units, units);
                var o = row.Slice(3 * units, units);
                var dcCarry = carry.Slice(units, units);
                Span<float> di = dGates.Slice(0, units), df = dGates.Slice(units, units), dg = dGates.Slice(2 * units, units), dO = dGates.Slice(3 * units, units);
                Span<float> scratch1 = dHidden.Slice(0, units), tanhC = dHidden.Slice(2 * units, units), scratch3 = dHidden.Slice(3 * units, units);
                TensorPrimitives.Tanh(row.Slice(gates + units, units), tanhC);
                // dc = dh ⊙ o ⊙ (1 − tanh²(c)) + the carried dL/dc, held in dO's slot for now.
                var dc = dO;
                TanhSlope(tanhC, dc);
                TensorPrimitives.Multiply(dc, o, dc);
                TensorPrimitives.Multiply(dc, dh, dc);
                TensorPrimitives.Add(dc, dcCarry, dc);
                TensorPrimitives.Multiply(dc, f, dcCarry);
                // di = dc ⊙ g ⊙ i(1 − i); df = dc ⊙ c(t − 1) ⊙ f(1 − f); dg = dc ⊙ i ⊙ (1 − g²); do = dh ⊙ tanh(c) ⊙ o(1 − o).
                SigmoidSlope(i, scratch1);
                TensorPrimitives.Multiply(dc, gg, di);
                TensorPrimitives.Multiply(di, scratch1, di);
                SigmoidSlope(f, scratch1);
                if (previous.IsEmpty) df.Clear();
                else TensorPrimitives.Multiply(dc, previous.Slice(units, units), df);
                TensorPrimitives.Multiply(df, scratch1, df);
                TanhSlope(gg, scratch1);
                TensorPrimitives.Multiply(scratch1, i, scratch1);
                TensorPrimitives.Multiply(dc, scratch1, dg);
                SigmoidSlope(o, scratch1);
                TensorPrimitives.Multiply(dh, tanhC, scratch3);
                TensorPrimitives.Multiply(scratch3, scratch1, dO);
                dh.Clear();
                break;
            }
            case RecurrentCell.Gru:
            {
                var r = row.Slice(0, units);
                var z = row.Slice(units, units);
                var n = row.Slice(2 * units, units);
                var hn = row.Slice(gates + units, units);
                Span<float> dr = dGates.Slice(0, units), dz = dGates.Slice(units, units), dxn = dGates.Slice(2 * units, units);
                Span<float> scratch1 = dHidden.Slice(0, units), scratch2 = dHidden.Slice(units, units);
                // dxn = dh ⊙ (1 − z) ⊙ (1 − n²); the hidden part of n's gradient is dxn ⊙ r.
                TanhSlope(n, dxn);
                TensorPrimitives.Subtract(1f, z, scratch1);
                TensorPrimitives.Multiply(dxn, scratch1, dxn);
                TensorPrimitives.Multiply(dxn, dh, dxn);
                // dr = dxn ⊙ (W_hn·h + b_hn) ⊙ r(1 − r); dz = dh ⊙ (h(t − 1) − n) ⊙ z(1 − z).
                SigmoidSlope(r, scratch2);
                TensorPrimitives.Multiply(dxn, hn, dr);
                TensorPrimitives.Multiply(dr, scratch2, dr);
                if (previous.IsEmpty) TensorPrimitives.Negate(n, scratch2);
                else TensorPrimitives.Subtract(previous.Slice(0, units), n, scratch2);
                TensorPrimitives.Multiply(scratch2, dh, scratch2);
                TensorPrimitives.Multiply(scratch1, z, scratch1);
                TensorPrimitives.Multiply(scratch2, scratch1, dz);
                TensorPrimitives.Multiply(dxn, r, dHidden.Slice(2 * units, units));
                // What passes to h(t − 1) directly: z ⊙ dh.
                TensorPrimitives.Multiply(dh, z, dh);
                break;
            }
        }
        // The hidden part's gradient is the input part's, but for the GRU's n gate (r ⊙ (W_hn·h + b_hn)).
        var shared = cell == RecurrentCell.Gru ? 2 * units : gates;
        dGates.Slice(0, shared).CopyTo(dHidden);
    }

    /// <summary>tanh′ from tanh's values: 1 − t².</summary>
    private static void TanhSlope(ReadOnlySpan<float> t, Span<float> slope)
    {
        TensorPrimitives.Multiply(t, t, slope);
        TensorPrimitives.Subtract(1f, slope, slope);
    }

    /// <summary>σ′ from σ's values: s ⊙ (1 − s).</summary>
    private static void SigmoidSlope(ReadOnlySpan<float> s, Span<float> slope)
    {
        TensorPrimitives.Subtract(1f, s, slope);
        TensorPrimitives.Multiply(slope, s, slope);
    }
}
