using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace Unroll.Benchmarks.Onnx;

/// <summary>
/// ONNX Runtime running the model that Unroll's own <see cref="OnnxExport.SaveOnnx"/> writes from a network instance,
/// so both sides hold the same weights. One session per intra-op thread count (ONNX Runtime fixes it per session), all
/// optimisations on (<c>ORT_ENABLE_ALL</c>: BatchNorm folded into convolutions, fused activations, NCHWc layout), each
/// bound once to preallocated managed buffers through <see cref="OrtIoBinding"/>, so a call is one
/// <see cref="InferenceSession.RunWithBinding(RunOptions, OrtIoBinding)"/> that allocates nothing.
/// </summary>
internal sealed class OrtPeer : IDisposable
{
    /// <summary>Largest difference from Unroll's output a case may show before it is timed; softmax outputs lie in [0, 1].</summary>
    public const float ParityTolerance = 5e-6f;

    private readonly List<IDisposable> _owned = [];
    private readonly Dictionary<int, Run> _runs = [];
    private readonly RunOptions _runOptions;

    private sealed record Run(InferenceSession Session, OrtIoBinding Binding, float[] Output);

    /// <summary>The thread counts measured; the better one is compared.</summary>
    public static readonly int[] ThreadCounts = [1, 2];

    /// <summary>
    /// Exports <paramref name="network"/> (to a temporary file, deleted at once) and binds <paramref name="input"/>,
    /// [batch, sample shape], as every session's input; each session writes its own [batch, outputs] buffer.
    /// </summary>
    public OrtPeer(INetwork network, float[] input, int batch, ReadOnlySpan<int> sampleShape, int outputSize)
    {
        var path = Path.Combine(Path.GetTempPath(), $"unroll-compare-{Environment.ProcessId}-{network.GetType().Name}.onnx");
        byte[] model;
        try
        {
            network.SaveOnnx(path);
            model = File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }

        try
        {
            _runOptions = Own(new RunOptions());
            long[] inputShape = [batch, .. sampleShape.ToArray().Select(d => (long)d)];
            var inputValue = Own(OrtValue.CreateTensorValueFromMemory(input, inputShape));
            foreach (var threads in ThreadCounts)
            {
                var options = Own(new SessionOptions
                {
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                    ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                    IntraOpNumThreads = threads,
                    InterOpNumThreads = 1,
                });
                var session = Own(new InferenceSession(model, options));
                var output = new float[batch * outputSize];
                var outputValue = Own(OrtValue.CreateTensorValueFromMemory(output, [batch, outputSize]));
                var binding = Own(session.CreateIoBinding());
                binding.BindInput(session.InputMetadata.Keys.Single(), inputValue);
                // The main output is the first; a network with auxiliary heads would have more (none of the cases do).
                binding.BindOutput(network.Outputs[0].Name, outputValue);
                _runs[threads] = new Run(session, binding, output);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>One inference call at <paramref name="threads"/> intra-op threads, on the bound input and output.</summary>
    public Action Call(int threads)
    {
        var run = _runs[threads];
        var options = _runOptions;
        return () => run.Session.RunWithBinding(options, run.Binding);
    }

    /// <summary>
    /// Runs every session once on the bound input and returns the largest absolute difference of its output from
    /// <paramref name="expected"/> (Unroll's output for the same input); throws <see cref="ParityException"/>, naming
    /// <paramref name="caseName"/>, when it is above <see cref="ParityTolerance"/> or not a number.
    /// </summary>
    public float CheckParity(string caseName, ReadOnlySpan<float> expected)
    {
        var worst = 0f;
        foreach (var (threads, run) in _runs)
        {
            Array.Fill(run.Output, float.NaN);
            run.Session.RunWithBinding(_runOptions, run.Binding);
            if (run.Output.Length != expected.Length)
                throw new ParityException($"case {caseName}: ONNX Runtime gives {run.Output.Length} outputs, Unroll {expected.Length}");
            for (var i = 0; i < expected.Length; i++)
            {
                var difference = Math.Abs(run.Output[i] - expected[i]);
                if (!(difference <= ParityTolerance))
                    throw new ParityException($"case {caseName}: ONNX Runtime ({threads} thread(s)) differs from Unroll by {difference:G3} at output {i} " +
                        $"(Unroll {expected[i]:R}, ONNX Runtime {run.Output[i]:R}); the tolerance is {ParityTolerance:G2}, so the case is not timed");
                worst = Math.Max(worst, difference);
            }
        }
        return worst;
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        // Bindings before sessions, sessions before their options and the values bound to them: the reverse of creation.
        for (var i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }
}

/// <summary>A peer's output differs from Unroll's on the same input and weights: its timings would be of a wrong model.</summary>
internal sealed class ParityException(string message) : InvalidOperationException(message);
