using ILGPU;

namespace Unroll;

/// <summary>
/// One step of one direction of a recurrent layer, as the cell kernels read it (plain ints: kernel parameters).
/// <see cref="Output"/>: 0 when this step writes no output, 1 into row (sample, step), 2 into row (sample) (the last
/// processed step of a layer that returns only that one).
/// </summary>
internal readonly record struct RecurrentStepArgs(int Cell, int Steps, int Units, int Step, int Previous, int First,
    int Output, int OutputFeatures, int OutputOffset, int StateSize, int StepLength)
{
    public static RecurrentStepArgs For(in RecurrentGeometry g, int k)
    {
        int t = g.Reverse ? g.Steps - 1 - k : k;
        int output = g.ReturnSequences ? 1 : k == g.Steps - 1 ? 2 : 0;
        return new((int)g.Cell, g.Steps, g.Units, t, g.Reverse ? t + 1 : t - 1, k == 0 ? 1 : 0, output,
            g.OutputFeatures, g.OutputOffset, g.StateSize, g.StepLength);
    }

    /// <summary>Where this step's output (or its gradient) row starts for sample <paramref name="b"/>, or -1.</summary>
    public int OutputAt(int b) => Output switch
    {
        1 => (b * Steps + Step) * OutputFeatures + OutputOffset,
        2 => b * OutputFeatures + OutputOffset,
        _ => -1,
    };
}

// The recurrent cells, one thread per (sample, unit) and step: the same formulas, state layout and tanh as the CPU
// backend's RecurrentKernels.Cells (states row (b, t) = [gates | h | c (LSTM) or W_hn·h + b_hn (GRU)]).
internal static partial class IlgpuKernels
{
    /// <summary>
    /// One forward step. On entry the states' gates hold x·W_ihᵀ and the step scratch W_hh·h(t − 1) (not at the first
    /// step, where h(t − 1) = c(t − 1) = 0); the cell adds the biases, activates and writes h (and c) and the output.
    /// </summary>
    public static void RecurrentStep(Index1D i, ArrayView<float> states, ArrayView<float> step, ArrayView<float> biasIh,
        ArrayView<float> biasHh, ArrayView<float> output, RecurrentStepArgs a)
    {
        int units = a.Units, b = i / units, j = i - b * units, gates = a.Cell * units;
        int row = (b * a.Steps + a.Step) * a.StateSize, previous = (b * a.Steps + a.Previous) * a.StateSize + gates;
        int hidden = b * a.StepLength;
        bool first = a.First != 0;
        float h;
        if (a.Cell == (int)RecurrentCell.SimpleRnn)
        {
            float pre = Pre(states, step, biasIh, biasHh, row, hidden, j, first);
            states[row + j] = pre;
            h = CellTanh(pre);
        }
        else if (a.Cell == (int)RecurrentCell.Lstm)
        {
            // c = f ⊙ c(t − 1) + i ⊙ g; h = o ⊙ tanh(c).
            float ig = CellSigmoid(Pre(states, step, biasIh, biasHh, row, hidden, j, first));
            float f = CellSigmoid(Pre(states, step, biasIh, biasHh, row, hidden, units + j, first));
            float g = CellTanh(Pre(states, step, biasIh, biasHh, row, hidden, 2 * units + j, first));
            float o = CellSigmoid(Pre(states, step, biasIh, biasHh, row, hidden, 3 * units + j, first));
            float c = first ? ig * g : f * states[previous + units + j] + ig * g;
            states[row + j] = ig;
            states[row + units + j] = f;
            states[row + 2 * units + j] = g;
            states[row + 3 * units + j] = o;
            states[row + gates + units + j] = c;
            h = o * CellTanh(c);
        }
        else
        {
            // n = tanh(x_n + b_in + r ⊙ (W_hn·h + b_hn)); h = n + z ⊙ (h(t − 1) − n).
            float r = CellSigmoid(Pre(states, step, biasIh, biasHh, row, hidden, j, first));
            float z = CellSigmoid(Pre(states, step, biasIh, biasHh, row, hidden, units + j, first));
            float hn = first ? biasHh[2 * units + j] : biasHh[2 * units + j] + step[hidden + 2 * units + j];
            float n = CellTanh(states[row + 2 * units + j] + biasIh[2 * units + j] + r * hn);
            float hPrevious = first ? 0f : states[previous + j];
            states[row + j] = r;
            states[row + units + j] = z;
            states[row + 2 * units + j] = n;
            states[row + gates + units + j] = hn;
            h = n + z * (hPrevious - n);
        }
        states[row + gates + j] = h;
        int at = a.OutputAt(b);
        if (at >= 0) output[at + j] = h;
    }

    /// <summary>A gate's pre-activation: its input part, its two biases, its hidden part (added in the CPU kernel's order).</summary>
    private static float Pre(ArrayView<float> states, ArrayView<float> step, ArrayView<float> biasIh, ArrayView<float> biasHh,
        int row, int hidden, int at, bool first)
    {
        float pre = states[row + at] + biasIh[at];
        return first ? pre + biasHh[at] : pre + (biasHh[at] + step[hidden + at]);
    }

    /// <summary>
    /// One backward step: from dL/dh (the carried part in the step scratch, plus the output gradient's when this step is
    /// an output) to the gates' gradients (<paramref name="dGates"/>; the GRU's hidden parts in <paramref name="dHidden"/>),
    /// leaving in the carry what passes to the step before without W_hh (the GRU's z ⊙ dh, the LSTM's dL/dc).
    /// </summary>
    public static void RecurrentStepBackward(Index1D i, ArrayView<float> states, ArrayView<float> step, ArrayView<float> outputGradient,
        ArrayView<float> dGates, ArrayView<float> dHidden, RecurrentStepArgs a)
    {
        int units = a.Units, b = i / units, j = i - b * units, gates = a.Cell * units;
        int row = (b * a.Steps + a.Step) * a.StateSize, previous = (b * a.Steps + a.Previous) * a.StateSize + gates;
        int carry = b * a.StepLength + gates, d = (b * a.Steps + a.Step) * gates;
        bool first = a.First != 0;
        int at = a.OutputAt(b);
        float dh = at >= 0 ? step[carry + j] + outputGradient[at + j] : step[carry + j];
        if (a.Cell == (int)RecurrentCell.SimpleRnn)
        {
            float h = states[row + gates + j];
            dGates[d + j] = dh * (1f - h * h);
            step[carry + j] = 0f;
        }
        else if (a.Cell == (int)RecurrentCell.Lstm)
        {
            float ig = states[row + j], f = states[row + units + j], g = states[row + 2 * units + j], o = states[row + 3 * units + j];
            float tanhC = CellTanh(states[row + gates + units + j]);
            float dc = dh * o * (1f - tanhC * tanhC) + step[carry + units + j];
            dGates[d + j] = dc * g * (ig * (1f - ig));
            dGates[d + units + j] = first ? 0f : dc * states[previous + units + j] * (f * (1f - f));
            dGates[d + 2 * units + j] = dc * ig * (1f - g * g);
            dGates[d + 3 * units + j] = dh * tanhC * (o * (1f - o));
            step[carry + j] = 0f;
            step[carry + units + j] = dc * f;
        }
        else
        {
            float r = states[row + j], z = states[row + units + j], n = states[row + 2 * units + j];
            float hn = states[row + gates + units + j];
            float hPrevious = first ? 0f : states[previous + j];
            float dxn = dh * (1f - z) * (1f - n * n);
            float dr = dxn * hn * (r * (1f - r));
            float dz = dh * (hPrevious - n) * (z * (1f - z));
            dGates[d + j] = dr;
            dGates[d + units + j] = dz;
            dGates[d + 2 * units + j] = dxn;
            dHidden[d + j] = dr;
            dHidden[d + units + j] = dz;
            dHidden[d + 2 * units + j] = dxn * r;
            step[carry + j] = dh * z;
        }
    }

    /// <summary>Zeroes values [offset, offset + length) of each row of <paramref name="rowStride"/> values; i runs over rows × length.</summary>
    public static void ZeroRows(Index1D i, ArrayView<float> x, int rowStride, int offset, int length)
    {
        int r = i / length;
        x[r * rowStride + offset + i - r * length] = 0f;
    }

    /// <summary>σ(x) = (1 + tanh(x / 2)) / 2, as the CPU cells compute it.</summary>
    private static float CellSigmoid(float x) => 0.5f * CellTanh(0.5f * x) + 0.5f;

    /// <summary>The CPU cells' tanh (Eigen's rational form, clamped to ±7.9053): within 3e-7 of tanh, NaN for NaN.</summary>
    private static float CellTanh(float a)
    {
        // Written as comparisons, not Math.Clamp, so that NaN passes through as on the CPU.
        float x = a < -7.90531110763549805f ? -7.90531110763549805f : a > 7.90531110763549805f ? 7.90531110763549805f : a;
        float x2 = x * x;
        float p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
        p = p * x2 + -8.60467152213735e-11f;
        p = p * x2 + 5.12229709037114e-08f;
        p = p * x2 + 1.48572235717979e-05f;
        p = p * x2 + 6.37261928875436e-04f;
        p = p * x2 + 4.89352455891786e-03f;
        float q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
        q = q * x2 + 2.26843463243900e-03f;
        q = q * x2 + 4.89352518554385e-03f;
        return x * p / q;
    }
}
