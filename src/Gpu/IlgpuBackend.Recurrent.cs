using System;
using ILGPU;
using ILGPU.Runtime;

namespace Unroll;

// Recurrent layers: the steps run in order on the stream, each as the hidden projection (a tiled product over the whole
// batch) and one cell kernel; the input projection of every step is one product before them, and backward's weight
// gradients two products over every step after them, as on the CPU.
public sealed partial class IlgpuBackend
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RecurrentStepArgs>? _recurrentStep;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RecurrentStepArgs>? _recurrentStepBackward;
    private Action<Index1D, ArrayView<float>, int, int, int>? _zeroRows;

    private static void CheckRecurrent(in RecurrentGeometry g, string op)
    {
        if (!Enum.IsDefined(g.Cell) || g.Steps < 1 || g.Inputs < 1 || g.Units < 1 || g.OutputOffset < 0
            || (long)g.OutputOffset + g.Units > g.OutputFeatures)
            throw new ArgumentException(
                $"{op}: a {g.Cell} of {g.Units} units over {g.Steps} steps of {g.Inputs} inputs, writing features [{g.OutputOffset}, {(long)g.OutputOffset + g.Units}) of {g.OutputFeatures}, is not a valid geometry.");
    }

    /// <inheritdoc/>
    public void RecurrentForward(FloatBuffer input, FloatBuffer output, in RecurrentBuffers buffers, int batch, in RecurrentGeometry geometry)
    {
        const string op = nameof(RecurrentForward);
        var g = geometry;
        CheckRecurrent(g, op);
        int steps = g.Steps, units = g.Units, gates = g.GateSize, state = g.StateSize;
        var x = Need(input, nameof(input), batch, g.InputSize, op);
        var y = Need(output, nameof(output), batch, g.OutputSize, op);
        var wih = Need(buffers.WeightIh, "weightIh", gates, g.Inputs, op);
        var whh = Need(buffers.WeightHh, "weightHh", gates, units, op);
        var bih = Need(buffers.BiasIh, "biasIh", 1, gates, op);
        var bhh = Need(buffers.BiasHh, "biasHh", 1, gates, op);
        var st = Need(buffers.States, "states", batch, g.StatesLength, op);
        var sc = Need(buffers.Step, "step", batch, g.StepLength, op);
        if (batch == 0) return;
        lock (_gate)
        {
            _recurrentStep ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<float>, ArrayView<float>, RecurrentStepArgs>(IlgpuKernels.RecurrentStep);
            // x(b, t)·W_ihᵀ for every step at once, into the gate columns of the states' rows.
            Gemm(x, wih, st, st, new GemmArgs(batch * steps, gates, g.Inputs, g.Inputs, g.Inputs, state, 0, 1, 1f, 0f, 0));
            for (int k = 0; k < steps; k++)
            {
                var args = RecurrentStepArgs.For(g, k);
                // W_hh·h(t − 1) for the whole batch: h(t − 1) of sample b is states row (b, t − 1) after its gates.
                if (k > 0)
                    Gemm(st.SubView((long)args.Previous * state + gates), whh, sc, sc,
                        new GemmArgs(batch, gates, units, steps * state, units, g.StepLength, 0, 1, 1f, 0f, 0));
                _recurrentStep(batch * units, st, sc, bih, bhh, y, args);
            }
        }
    }

    /// <inheritdoc/>
    public void RecurrentBackward(FloatBuffer input, FloatBuffer outputGradient, FloatBuffer? inputGradient, in RecurrentBuffers buffers,
        in RecurrentGradients gradients, int batch, in RecurrentGeometry geometry)
    {
        const string op = nameof(RecurrentBackward);
        var g = geometry;
        CheckRecurrent(g, op);
        int steps = g.Steps, units = g.Units, gates = g.GateSize, state = g.StateSize, stepLength = g.StepLength;
        var x = Need(input, nameof(input), batch, g.InputSize, op);
        var dy = Need(outputGradient, nameof(outputGradient), batch, g.OutputSize, op);
        var dx = NeedOptional(inputGradient, nameof(inputGradient), batch, g.InputSize, op);
        var wih = Need(buffers.WeightIh, "weightIh", gates, g.Inputs, op);
        var whh = Need(buffers.WeightHh, "weightHh", gates, units, op);
        var st = Need(buffers.States, "states", batch, g.StatesLength, op);
        var sc = Need(buffers.Step, "step", batch, stepLength, op);
        var dwih = Need(gradients.WeightIh, "weightIhGradient", gates, g.Inputs, op);
        var dwhh = Need(gradients.WeightHh, "weightHhGradient", gates, units, op);
        var dbih = Need(gradients.BiasIh, "biasIhGradient", 1, gates, op);
        var dbhh = Need(gradients.BiasHh, "biasHhGradient", 1, gates, op);
        var dg = Need(gradients.Gates, "gates", batch, g.GateGradientLength, op);
        // The hidden part's gradient differs from the input part's only in the GRU's n gate; the others share dg.
        bool gru = g.Cell == RecurrentCell.Gru;
        var dgh = gru ? Need(gradients.HiddenGates, "hiddenGates", batch, g.GateGradientLength, op) : dg;
        if (batch == 0) return;
        lock (_gate)
        {
            _recurrentStepBackward ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<float>, ArrayView<float>, RecurrentStepArgs>(IlgpuKernels.RecurrentStepBackward);
            // The carried dL/dh and dL/dc start at 0, after the hidden projection's part of each sample's scratch.
            ZeroRows(sc, batch, stepLength, gates, 2 * units);
            for (int k = steps - 1; k >= 0; k--)
            {
                var args = RecurrentStepArgs.For(g, k);
                _recurrentStepBackward(batch * units, st, sc, dy, dg, dgh, args);
                // dL/dh(t − 1) += d(hidden gates)·W_hh (the GRU's direct path z ⊙ dh is already in the carry, the others' is 0).
                if (k > 0)
                    Gemm(dgh.SubView((long)args.Step * gates), whh, sc.SubView(gates), sc.SubView(gates),
                        new GemmArgs(batch, units, gates, steps * gates, units, stepLength, 0, 0, 1f, gru ? 1f : 0f, 0));
            }
            ColumnSums(dg, dbih, batch * steps, gates);
            ColumnSums(dgh, dbhh, batch * steps, gates);
            // dW_ih = d(gates)ᵀ·x and dx = d(gates)·W_ih, each one product over every step.
            Gemm(dg, x, dwih, dwih, new GemmArgs(gates, g.Inputs, batch * steps, gates, g.Inputs, g.Inputs, 1, 0, 1f, 0f, 0));
            if (inputGradient is not null)
                Gemm(dg, wih, dx, dx, new GemmArgs(batch * steps, g.Inputs, gates, gates, g.Inputs, g.Inputs, 0, 0, 1f,
                    g.AccumulateInputGradient ? 1f : 0f, 0));
            // dW_hh = Σ d(hidden gates)ᵀ·h(t − 1), one product pairing hidden-gate row (b, t) with state row (b, t − 1)
            // (see the CPU kernel): each sample's first processed step meets the sample before's last state there, so
            // its rows, which meet h = 0 and add nothing, are zeroed first (after the products above read them).
            if (steps == 1)
            {
                dwhh.SubView(0, (long)gates * units).MemSetToZero();
            }
            else
            {
                ZeroRows(dgh.SubView((long)(g.Reverse ? steps - 1 : 0) * gates), batch, steps * gates, 0, gates);
                int gradientRow = g.Reverse ? 0 : 1, hiddenRow = g.Reverse ? 1 : 0;
                Gemm(dgh.SubView((long)gradientRow * gates), st.SubView((long)hiddenRow * state + gates), dwhh, dwhh,
                    new GemmArgs(gates, units, batch * steps - 1, gates, state, units, 1, 0, 1f, 0f, 0));
            }
        }
    }

    /// <summary>Zeroes values [offset, offset + length) of <paramref name="rows"/> rows of <paramref name="rowStride"/> values.</summary>
    private void ZeroRows(ArrayView<float> x, int rows, int rowStride, int offset, int length)
    {
        _zeroRows ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int, int>(IlgpuKernels.ZeroRows);
        _zeroRows(rows * length, x, rowStride, offset, length);
    }
}
