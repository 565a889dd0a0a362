using System;
using System.Linq;
using Unroll.Tests.Generator;
using Unroll.Tests.Training;
using Xunit;

namespace Unroll.Tests.Layers;

[Network(5, 3)]
[Lstm(4), Dense(2)]
public partial class LstmLastStepNet;

[Network(4, 3)]
[Gru(3, ReturnSequences = true), Flatten, Dense(2)]
public partial class GruSequenceNet;

[Network(4, 2)]
[SimpleRnn(3, Bidirectional = true), Dense(2)]
public partial class BidirectionalRnnNet;

/// <summary>Stacked: a sequence into a bidirectional LSTM (whose input gradient sums both directions), then a GRU.</summary>
[Network(5, 3)]
[SimpleRnn(4, ReturnSequences = true), Lstm(3, ReturnSequences = true, Bidirectional = true), Gru(3), Dense(3), Softmax]
public partial class StackedRecurrentNet;

/// <summary>Definition form: images read as sequences of rows.</summary>
[Network(1, 4, 3)]
public partial class DefinedRecurrentNet
{
    static Tensor Define(Tensor x) => x.Reshape([4, 3]).Lstm(3, returnSequences: true, bidirectional: true).Gru(2, bidirectional: true).Dense(2);
}

public class RecurrentTests
{
    private static void Randomize<T>(T net, int seed) where T : INetwork<T>
    {
        // Non-zero biases too: zero biases would hide a bias that is dropped or added twice.
        var random = new Random(seed);
        foreach (var p in net.Parameters)
        {
            var values = ((CpuBuffer)p.Value).Array;
            for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() - 0.5);
        }
    }

    private static double[] Values(INetwork net, string name) => ((CpuBuffer)net.Parameters.Single(p => p.Name == name).Value).Array.Select(v => (double)v).ToArray();

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>PyTorch's cells in double precision, straight from their documented equations, over one sample.</summary>
    private static double[][] Reference(RecurrentCell cell, INetwork net, string layer, string suffix, double[][] x, bool reverse)
    {
        var wih = Values(net, $"{layer}.weight_ih_l0{suffix}");
        var whh = Values(net, $"{layer}.weight_hh_l0{suffix}");
        var bih = Values(net, $"{layer}.bias_ih_l0{suffix}");
        var bhh = Values(net, $"{layer}.bias_hh_l0{suffix}");
        int gates = bih.Length, units = gates / (int)cell, inputs = x[0].Length;
        var h = new double[units];
        var c = new double[units];
        var outputs = new double[x.Length][];
        for (var k = 0; k < x.Length; k++)
        {
            var t = reverse ? x.Length - 1 - k : k;
            var gx = new double[gates];
            var gh = new double[gates];
            for (var r = 0; r < gates; r++)
            {
                gx[r] = bih[r];
                gh[r] = bhh[r];
                for (var i = 0; i < inputs; i++) gx[r] += wih[r * inputs + i] * x[t][i];
                for (var j = 0; j < units; j++) gh[r] += whh[r * units + j] * h[j];
            }
            var next = new double[units];
            for (var j = 0; j < units; j++)
            {
                switch (cell)
                {
                    case RecurrentCell.SimpleRnn:
                        next[j] = Math.Tanh(gx[j] + gh[j]);
                        break;
                    case RecurrentCell.Lstm:
                        var i = Sigmoid(gx[j] + gh[j]);
                        var f = Sigmoid(gx[units + j] + gh[units + j]);
                        var g = Math.Tanh(gx[2 * units + j] + gh[2 * units + j]);
                        var o = Sigmoid(gx[3 * units + j] + gh[3 * units + j]);
                        c[j] = f * c[j] + i * g;
                        next[j] = o * Math.Tanh(c[j]);
                        break;
                    case RecurrentCell.Gru:
                        var reset = Sigmoid(gx[j] + gh[j]);
                        var z = Sigmoid(gx[units + j] + gh[units + j]);
                        var n = Math.Tanh(gx[2 * units + j] + reset * gh[2 * units + j]);
                        next[j] = (1 - z) * n + z * h[j];
                        break;
                }
            }
            h = next;
            outputs[t] = h;
        }
        return outputs;
    }

    private static double[][] Sequence(float[] input, int sample, int steps, int features)
        => Enumerable.Range(0, steps).Select(t => Enumerable.Range(0, features).Select(i => (double)input[(sample * steps + t) * features + i]).ToArray()).ToArray();

    [Fact]
    public void The_cells_tanh_and_sigmoid_are_within_their_stated_error_for_every_normal_float()
    {
        // Every power of two from the smallest normal float up, with 64 mantissas each, both signs, through every width.
        double worstTanh = 0, worstSigmoid = 0;
        for (int exponent = -126; exponent <= 5; exponent++)
            for (int m = 0; m < 64; m++)
                foreach (var sign in new[] { 1f, -1f })
                {
                    float x = sign * MathF.ScaleB(1f + m / 64f, exponent);
                    foreach (var (tanh, sigmoid) in Widths(x))
                    {
                        worstTanh = Math.Max(worstTanh, Math.Abs(tanh - Math.Tanh(x)) / Math.Max(Math.Abs(Math.Tanh(x)), 1e-30));
                        worstSigmoid = Math.Max(worstSigmoid, Math.Abs(sigmoid - 1 / (1 + Math.Exp(-x))));
                    }
                }
        Assert.True(worstTanh < 3e-7, $"tanh relative error {worstTanh:E2}");
        Assert.True(worstSigmoid < 1.5e-7, $"sigmoid absolute error {worstSigmoid:E2}");
        foreach (var (tanh, sigmoid) in Widths(float.NaN)) Assert.True(float.IsNaN(tanh) && float.IsNaN(sigmoid));
        foreach (var (tanh, sigmoid) in Widths(float.PositiveInfinity)) Assert.True(tanh > 1 - 3e-7f && tanh <= 1 && sigmoid > 1 - 2e-7f && sigmoid <= 1);
        foreach (var (tanh, sigmoid) in Widths(float.NegativeInfinity)) Assert.True(tanh < -1 + 3e-7f && tanh >= -1 && sigmoid < 2e-7f && sigmoid >= 0);

        static (float Tanh, float Sigmoid)[] Widths(float x)
        {
            var values = new float[16];
            var results = new System.Collections.Generic.List<(float, float)> { (First(RecurrentKernels.Tanh(new Lanes1(x))), First(RecurrentKernels.Sigmoid(new Lanes1(x)))) };
            if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
            {
                var v = new Lanes256(System.Runtime.Intrinsics.Vector256.Create(x));
                results.Add((First(RecurrentKernels.Tanh(v)), First(RecurrentKernels.Sigmoid(v))));
            }
            if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            {
                var v = new Lanes512(System.Runtime.Intrinsics.Vector512.Create(x));
                results.Add((First(RecurrentKernels.Tanh(v)), First(RecurrentKernels.Sigmoid(v))));
            }
            return results.ToArray();

            float First<T>(T lanes) where T : struct, ILanes<T> { T.Store(lanes, ref values[0], 0); return values[0]; }
        }
    }

    [Fact]
    public void Each_cell_computes_pytorchs_function_in_both_directions_for_every_step()
    {
        // BidirectionalRnnNet: the last step of both directions, side by side (the reverse direction ends at step 0).
        foreach (var cell in new[] { RecurrentCell.SimpleRnn, RecurrentCell.Lstm, RecurrentCell.Gru })
        {
            const int batch = 3, steps = 4, features = 3;
            INetwork net;
            string layer;
            if (cell == RecurrentCell.SimpleRnn) { var n = new BidirectionalRnnNet(batch); Randomize(n, 1); net = n; layer = "simple_rnn_1"; }
            else if (cell == RecurrentCell.Gru) { var n = new GruSequenceNet(batch); Randomize(n, 2); net = n; layer = "gru_1"; }
            else { var n = new StackedRecurrentNet(batch); Randomize(n, 3); net = n; layer = "simple_rnn_1"; }
            var inputFeatures = cell == RecurrentCell.SimpleRnn ? 2 : features;
            var inputSteps = cell == RecurrentCell.Lstm ? 5 : steps;
            var random = new Random(7);
            var input = Enumerable.Range(0, batch * inputSteps * inputFeatures).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            net.Backend.Upload(input, net.Input);
            net.Forward(batch, training: false);
            for (var b = 0; b < batch; b++)
            {
                var x = Sequence(input, b, inputSteps, inputFeatures);
                if (cell == RecurrentCell.SimpleRnn)
                {
                    // The network's output is Dense(2) of [forward h(3) | reverse h(0)]; check through the first layer's output instead.
                    var forward = Reference(cell, net, layer, "", x, reverse: false);
                    var reverse = Reference(cell, net, layer, "_reverse", x, reverse: true);
                    var hidden = forward[inputSteps - 1].Concat(reverse[0]).ToArray();
                    AssertDense(net, "dense_1", hidden, b);
                }
                else if (cell == RecurrentCell.Gru)
                {
                    var every = Reference(cell, net, layer, "", x, reverse: false).SelectMany(h => h).ToArray();
                    AssertDense(net, "dense_1", every, b);
                }
                else
                {
                    // StackedRecurrentNet: SimpleRnn (every step) → bidirectional LSTM (every step) → GRU (last step) → Dense → Softmax.
                    var rnn = Reference(RecurrentCell.SimpleRnn, net, "simple_rnn_1", "", x, reverse: false);
                    var lstmForward = Reference(RecurrentCell.Lstm, net, "lstm_1", "", rnn, reverse: false);
                    var lstmReverse = Reference(RecurrentCell.Lstm, net, "lstm_1", "_reverse", rnn, reverse: true);
                    var both = lstmForward.Zip(lstmReverse, (f, r) => f.Concat(r).ToArray()).ToArray();
                    var gru = Reference(RecurrentCell.Gru, net, "gru_1", "", both, reverse: false)[inputSteps - 1];
                    var logits = DenseOf(net, "dense_1", gru);
                    var max = logits.Max();
                    var exp = logits.Select(v => Math.Exp(v - max)).ToArray();
                    var expected = exp.Select(v => v / exp.Sum()).ToArray();
                    var actual = new float[3];
                    net.Backend.Download(net.Output, b * 3, actual);
                    for (var k = 0; k < 3; k++) Assert.Equal(expected[k], actual[k], 5);
                }
            }
        }
    }

    private static double[] DenseOf(INetwork net, string layer, double[] x)
    {
        var w = Values(net, layer + ".weight");
        var bias = Values(net, layer + ".bias");
        return Enumerable.Range(0, bias.Length).Select(u => bias[u] + Enumerable.Range(0, x.Length).Sum(i => w[u * x.Length + i] * x[i])).ToArray();
    }

    private static void AssertDense(INetwork net, string layer, double[] x, int sample)
    {
        var expected = DenseOf(net, layer, x);
        var actual = new float[expected.Length];
        net.Backend.Download(net.Output, sample * expected.Length, actual);
        for (var k = 0; k < expected.Length; k++) Assert.Equal(expected[k], actual[k], 5);
    }

    [Fact]
    public void Gradients_through_every_step_agree_with_finite_differences()
    {
        float[] targets = [0.5f, -1, 0.25f, 2, -0.5f, 1];
        GradientCheck.CheckAllParameters<LstmLastStepNet>(new MeanSquaredError(), [targets], batch: 3, fused: false);
        GradientCheck.CheckAllParameters<GruSequenceNet>(new MeanSquaredError(), [targets], batch: 3, fused: false);
        GradientCheck.CheckAllParameters<BidirectionalRnnNet>(new MeanSquaredError(), [targets], batch: 3, fused: false);
    }

    [Fact]
    public void A_stacked_network_checks_one_parameter_at_a_time()
    {
        GradientCheck.CheckAllParameters<StackedRecurrentNet>(new SparseCategoricalCrossEntropy(), [[2, 0, 1]], batch: 3, fused: true);
        GradientCheck.CheckAllParameters<DefinedRecurrentNet>(new MeanSquaredError(), [[0.5f, -1, 0.25f, 2]], batch: 2, fused: false);
    }

    [Fact]
    public void Parameters_have_pytorchs_names_shapes_and_counts()
    {
        // nn.LSTM(3, 4): 4·4·3 + 4·4·4 + 2·4·4 = 144; Dense(2) after it: 10.
        Assert.Equal(154, LstmLastStepNet.ParameterCount);
        var net = new LstmLastStepNet();
        Assert.Equal(["lstm_1.weight_ih_l0", "lstm_1.weight_hh_l0", "lstm_1.bias_ih_l0", "lstm_1.bias_hh_l0", "dense_1.weight", "dense_1.bias"],
            net.Parameters.Select(p => p.Name));
        Assert.Equal(new[] { 16, 3 }, net.Parameters[0].Shape.ToArray());
        Assert.Equal(new[] { 16, 4 }, net.Parameters[1].Shape.ToArray());
        // nn.RNN(2, 3, bidirectional=True): 2 · (3·2 + 3·3 + 2·3) = 42, then Dense(6 → 2): 14.
        Assert.Equal(56, BidirectionalRnnNet.ParameterCount);
        Assert.Contains(new BidirectionalRnnNet().Parameters, p => p.Name == "simple_rnn_1.weight_hh_l0_reverse");
        // nn.GRU(3, 3): 3·3·3 + 3·3·3 + 2·3·3 = 72.
        Assert.Equal(72, GruSequenceNet.Layers.Gru1.ParameterCount);
        Assert.Equal((4, 3), (GruSequenceNet.Layers.Gru1.Steps, GruSequenceNet.Layers.Gru1.Features));
        Assert.Equal(6, BidirectionalRnnNet.Layers.SimpleRnn1.Features);
        Assert.Contains(" lstm_1 (LSTM)", LstmLastStepNet.Summary);
    }

    [Fact]
    public void Wrong_shapes_are_compile_errors_at_the_attribute()
    {
        Assert.Equal("Lstm 'lstm_1' expects a (steps, features) input but receives (1, 28, 28); add a Reshape to (steps, features) before it, such as Reshape(28, 28) for (1, 28, 28) images", GeneratorHarness.SingleDiagnostic("""
            using Unroll;
            [Network(1, 28, 28)]
            [Lstm(8), Dense(2)]
            public partial class ImageIntoLstm;
            """, "UNR0031", "Lstm(8)").GetMessage());
        Assert.StartsWith("Gru 'gru_1' expects a (steps, features) input but receives (784);", GeneratorHarness.SingleDiagnostic("""
            using Unroll;
            [Network(784)]
            [Gru(8)]
            public partial class VectorIntoGru;
            """, "UNR0031", "Gru(8)").GetMessage());
        Assert.Equal("Dense 'dense_1' expects a (features) input but receives (28, 8); add [Flatten] before it, or set ReturnSequences = false on the recurrent layer that makes it", GeneratorHarness.SingleDiagnostic("""
            using Unroll;
            [Network(28, 28)]
            [SimpleRnn(8, ReturnSequences = true), Dense(2)]
            public partial class SequenceIntoDense;
            """, "UNR0031", "Dense(2)").GetMessage());
        Assert.Equal("Lstm 'lstm_1' has units 0, but a Lstm layer needs at least 1 unit", GeneratorHarness.SingleDiagnostic("""
            using Unroll;
            [Network(28, 28)]
            [Lstm(0)]
            public partial class NoUnits;
            """, "UNR0005", "Lstm(0)").GetMessage());
        Assert.Contains("its states or weights (2147483647 units over 28 steps of 28 features)", GeneratorHarness.SingleDiagnostic("""
            using Unroll;
            [Network(28, 28)]
            [Gru(int.MaxValue)]
            public partial class Huge;
            """, "UNR0014", "Gru(int.MaxValue)").GetMessage());
    }
}

/// <summary>Zero allocation per step, as for every other layer; runs alone with the other allocation tests.</summary>
[Collection(nameof(NoAllocation))]
public class RecurrentAllocationTests
{
    [Fact]
    public void Training_steps_of_the_recurrent_classifiers_allocate_nothing()
    {
        // Batch 64 takes the products' path, batch 2 the dot products'; both directions and every cell.
        var test = FashionMnist.LoadSet(FashionMnist.DefaultDirectory, "t10k", 10_000);
        foreach (var batch in new[] { 2, 64 })
        {
            var samples = Enumerable.Range(0, batch).ToArray();
            var lstm = new Trainer<Unroll.Models.FashionLstm>(new Unroll.Models.FashionLstm(capacity: batch, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());
            NoAllocation.Assert(() => lstm.TrainStep(test, samples));
            var gru = new Trainer<Unroll.Models.FashionGru>(new Unroll.Models.FashionGru(capacity: batch, seed: 1), new SparseCategoricalCrossEntropy(), new Adam());
            NoAllocation.Assert(() => gru.TrainStep(test, samples));
        }
        var stacked = new StackedRecurrentNet(capacity: 3, seed: 1);
        stacked.Backend.Upload(new float[3 * StackedRecurrentNet.InputSize], stacked.Input);
        NoAllocation.Assert(() =>
        {
            stacked.Forward(3, training: true);
            stacked.Backward(3, outputGradientIsForLogits: true);
        });
    }
}
