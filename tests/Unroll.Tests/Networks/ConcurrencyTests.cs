using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using Unroll.Models;
using Xunit;

namespace Unroll.Tests.Networks;

/// <summary>
/// The threading rule: one network instance serves one call at a time, and says so when misused; inference contexts
/// share one copy of the weights and give exactly the sequential results from any number of threads.
/// </summary>
public class ConcurrencyTests
{
    private const int Threads = 8;

    private static float[] Inputs(int count, int size, int seed)
    {
        var random = new Random(seed);
        var values = new float[count * size];
        for (var i = 0; i < values.Length; i++) values[i] = (float)random.NextDouble();
        return values;
    }

    /// <summary>Runs <paramref name="body"/> on <see cref="Threads"/> threads released together; rethrows the first failure.</summary>
    private static void OnThreads(Action<int> body)
    {
        using var start = new ManualResetEventSlim();
        var failures = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.Wait();
            try { body(t); }
            catch (Exception e) { failures.Enqueue(e); }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        start.Set();
        foreach (var thread in threads) thread.Join();
        if (failures.TryDequeue(out var failure)) throw new AggregateException(failure);
    }

    /// <summary>Runs <paramref name="body"/> while another thread holds <paramref name="network"/>'s use guard.</summary>
    internal static void WhileAnotherThreadHolds(INetwork network, Action body)
    {
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            using var scope = network.UseGuard.Enter("a test");
            entered.Set();
            release.Wait();
        });
        holder.Start();
        entered.Wait();
        try { body(); }
        finally
        {
            release.Set();
            holder.Join();
        }
    }

    [Fact]
    public void A_second_thread_using_a_busy_network_gets_an_error_that_says_what_to_do()
    {
        var net = new LeNet5(seed: 1);
        var sample = Inputs(1, LeNet5.InputSize, 2);
        WhileAnotherThreadHolds(net, () =>
        {
            var error = Assert.Throws<InvalidOperationException>(() => net.PredictClass(sample));
            Assert.Contains("PredictClass was called", error.Message);
            Assert.Contains("LeNet5", error.Message);
            Assert.Contains("CreateInferenceContext", error.Message);
            Assert.Contains("InferencePool<LeNet5>", error.Message);
            Assert.Throws<InvalidOperationException>(() => net.Forward(1, training: false));
        });
        // Released: the network works again, and on one thread guarded calls nest.
        using (((INetwork)net).UseGuard.Enter("outer"))
            Assert.InRange(net.PredictClass(sample), 0, 9);
        Assert.InRange(net.PredictClass(sample), 0, 9);
    }

    [Fact]
    public void One_instance_shared_by_eight_threads_is_never_silently_wrong()
    {
        var net = new LeNet5(seed: 3);
        const int perThread = 60;
        var inputs = Inputs(Threads * perThread, LeNet5.InputSize, 4);
        var expected = new int[Threads * perThread];
        for (var i = 0; i < expected.Length; i++) expected[i] = net.PredictClass(inputs.AsSpan(i * LeNet5.InputSize, LeNet5.InputSize));

        var wrong = 0;
        OnThreads(t =>
        {
            for (var i = t * perThread; i < (t + 1) * perThread; i++)
            {
                try
                {
                    if (net.PredictClass(inputs.AsSpan(i * LeNet5.InputSize, LeNet5.InputSize)) != expected[i]) Interlocked.Increment(ref wrong);
                }
                catch (InvalidOperationException) { } // refused: the misuse is reported, not answered wrongly
            }
        });
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void Inference_contexts_on_eight_threads_give_exactly_the_sequential_results()
    {
        // FashionResNet: convolutions (threaded kernels), BatchNorm with non-trivial running statistics, residual joins.
        var net = new FashionResNet(seed: 5);
        var random = new Random(6);
        foreach (var statistic in net.Statistics)
        {
            var values = new float[statistic.Length];
            for (var i = 0; i < values.Length; i++) values[i] = 0.5f + (float)random.NextDouble();
            statistic.CopyFrom(values);
        }
        const int perThread = 6, batch = 3;
        var size = FashionResNet.InputSize;
        var inputs = Inputs(Threads * perThread * batch, size, 7);
        var expected = new float[Threads * perThread * batch * FashionResNet.OutputSize];
        net.Predict(inputs, expected);

        var actual = new float[expected.Length];
        OnThreads(t =>
        {
            var context = net.CreateInferenceContext(capacity: batch);
            Assert.True(context.IsInferenceContext);
            Assert.Same(net.Parameters, context.Parameters);
            for (var k = 0; k < perThread; k++)
            {
                var first = (t * perThread + k) * batch;
                context.Predict(inputs.AsSpan(first * size, batch * size), actual.AsSpan(first * FashionResNet.OutputSize, batch * FashionResNet.OutputSize));
            }
        });
        Assert.True(MemoryMarshal.Cast<float, int>(expected).SequenceEqual(MemoryMarshal.Cast<float, int>(actual)));
    }

    [Fact]
    public void A_pool_serves_eight_threads_with_exactly_the_sequential_results()
    {
        var net = new LeNet5(seed: 8);
        const int perThread = 40;
        var inputs = Inputs(Threads * perThread, LeNet5.InputSize, 9);
        var expected = new float[Threads * perThread * LeNet5.OutputSize];
        net.Predict(inputs, expected);

        var pool = new InferencePool<LeNet5>(net);
        var actual = new float[expected.Length];
        OnThreads(t =>
        {
            for (var i = t * perThread; i < (t + 1) * perThread; i++)
                pool.Predict(inputs.AsSpan(i * LeNet5.InputSize, LeNet5.InputSize), actual.AsSpan(i * LeNet5.OutputSize, LeNet5.OutputSize));
        });
        Assert.True(MemoryMarshal.Cast<float, int>(expected).SequenceEqual(MemoryMarshal.Cast<float, int>(actual)));
    }

    [Fact]
    public void Contexts_share_the_weights_and_cannot_train()
    {
        var net = new LeNet5(seed: 10);
        var context = net.CreateInferenceContext();
        Assert.False(net.IsInferenceContext);
        Assert.Same(net.Dense1Weight, context.Dense1Weight);
        var sample = Inputs(1, LeNet5.InputSize, 11);
        var before = new float[LeNet5.OutputSize];
        context.Predict(sample, before);

        // A change to the shared weights shows in the context at once: there is one copy.
        var bias = new float[net.Dense3Bias.Length];
        bias[0] = 5f;
        net.Dense3Bias.CopyFrom(bias);
        var after = new float[LeNet5.OutputSize];
        context.Predict(sample, after);
        var direct = new float[LeNet5.OutputSize];
        net.Predict(sample, direct);
        Assert.NotEqual(before, after);
        Assert.Equal(direct, after);

        var training = Assert.Throws<InvalidOperationException>(() => context.Forward(1, training: true));
        Assert.Contains("inference context", training.Message);
        Assert.Throws<InvalidOperationException>(() => context.Backward(1, outputGradientIsForLogits: false));
    }
}

[Collection(nameof(NoAllocation))]
public class InferenceContextAllocationTests
{
    [Fact]
    public void Inference_on_a_context_and_through_a_pool_allocates_nothing()
    {
        var net = new LeNet5(seed: 12);
        var context = net.CreateInferenceContext();
        var pool = new InferencePool<LeNet5>(net);
        var sample = new float[LeNet5.InputSize];
        NoAllocation.Assert(() => context.PredictClass(sample));
        NoAllocation.Assert(() => pool.PredictClass(sample));
    }
}

public class TrainerConcurrencyTests
{
    [Fact]
    public void Saving_or_loading_weights_while_another_thread_uses_the_network_is_refused()
    {
        var net = new LeNet5(seed: 15);
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"unroll-{Guid.NewGuid():N}.safetensors");
        try
        {
            net.SaveWeights(path);
            var saved = System.IO.File.ReadAllBytes(path);
            var before = net.Dense1Weight.Value.Span.ToArray();
            new LeNet5(seed: 16).SaveWeights(path + ".other"); // other weights: a load that went through would show
            ConcurrencyTests.WhileAnotherThreadHolds(net, () =>
            {
                Assert.Contains("SaveWeights was called", Assert.Throws<InvalidOperationException>(() => net.SaveWeights(path)).Message);
                Assert.Contains("LoadWeights was called", Assert.Throws<InvalidOperationException>(() => net.LoadWeights(path + ".other")).Message);
            });
            Assert.Equal(saved, System.IO.File.ReadAllBytes(path));
            Assert.Equal(before, net.Dense1Weight.Value.Span.ToArray());
            net.LoadWeights(path + ".other");
            Assert.NotEqual(before, net.Dense1Weight.Value.Span.ToArray());
        }
        finally
        {
            System.IO.File.Delete(path);
            System.IO.File.Delete(path + ".other");
        }
    }

    [Fact]
    public void The_trainer_refuses_an_inference_context()
    {
        var context = new LeNet5(seed: 13).CreateInferenceContext();
        var error = Assert.Throws<ArgumentException>(() => new Trainer<LeNet5>(context, new SparseCategoricalCrossEntropy(), new Adam()));
        Assert.Contains("inference context", error.Message);
    }

    [Fact]
    public void A_training_step_while_another_thread_uses_the_network_is_refused()
    {
        var net = new LeNet5(capacity: 2, seed: 14);
        var trainer = new Trainer<LeNet5>(net, new SparseCategoricalCrossEntropy(), new Adam());
        var data = Dataset.ForClassification(new float[2 * LeNet5.InputSize], LeNet5.InputSize, [1, 2], 10);
        var before = net.Dense3Bias.Value.Span.ToArray();
        ConcurrencyTests.WhileAnotherThreadHolds(net, () =>
        {
            Assert.Contains("TrainStep was called", Assert.Throws<InvalidOperationException>(() => trainer.TrainStep(data, [0, 1])).Message);
            Assert.Contains("Evaluate was called", Assert.Throws<InvalidOperationException>(() => trainer.Evaluate(data)).Message);
            Assert.Contains("Fit was called", Assert.Throws<InvalidOperationException>(() => trainer.Fit(data, new FitOptions { Epochs = 1 })).Message);
        });
        Assert.Equal(before, net.Dense3Bias.Value.Span.ToArray()); // refused before anything changed
        trainer.TrainStep(data, [0, 1]);
        Assert.NotEqual(before, net.Dense3Bias.Value.Span.ToArray());
    }
}
