using System;
using System.Collections.Generic;
using System.Linq;
using Unroll.Models;
using Unroll.Tests.Kernels;
using Xunit;

namespace Unroll.Tests.Training;

/// <summary>
/// Training gives bit-identical weights and BatchNorm statistics on a quiet machine, while other processes keep every
/// core busy, and with the worker pool held elsewhere (every kernel's shares inline): the same seed, data and steps.
/// </summary>
[Collection(nameof(Determinism))]
public sealed class TrainingDeterminismTests
{
    private const int Batch = 8;

    private static readonly Dataset Data = FashionMnist.LoadSet(FashionMnist.DefaultDirectory, "t10k", 10_000);

    /// <summary>Trains a fresh network from <paramref name="seed"/> for <paramref name="steps"/> batches in a fixed order;
    /// returns every parameter and statistic, and the losses.</summary>
    private static (string Name, float[] Values)[] Train<TNetwork>(Func<TNetwork> create, Optimizer optimizer, int steps)
        where TNetwork : INetwork<TNetwork>
    {
        var trainer = new Trainer<TNetwork>(create(), new SparseCategoricalCrossEntropy(), optimizer);
        var order = Enumerable.Range(0, Data.Count).ToArray();
        new Random(11).Shuffle(order);
        var losses = new float[steps];
        for (int step = 0; step < steps; step++)
            losses[step] = trainer.TrainStep(Data, order.AsSpan(step * Batch % (Data.Count - Batch), Batch)).Loss;
        var network = trainer.Network;
        var state = new List<(string, float[])> { ("losses", losses) };
        foreach (var p in network.Parameters.Concat(network.Statistics)) state.Add((p.Name, p.Value.Span.ToArray()));
        return state.ToArray();
    }

    private static void Check<TNetwork>(Func<TNetwork> create, Func<Optimizer> optimizer, int steps)
        where TNetwork : INetwork<TNetwork>
    {
        var quiet = Train(create, optimizer(), steps);
        (string Name, float[] Values)[] loaded;
        using (new CpuHog()) loaded = Train(create, optimizer(), steps);
        Compare("under load", quiet, loaded);
        (string Name, float[] Values)[] inline;
        using (Determinism.HoldPool()) inline = Train(create, optimizer(), steps);
        Compare("pool held", quiet, inline);
    }

    private static void Compare(string how, (string Name, float[] Values)[] expected, (string Name, float[] Values)[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected[0].Values.All(float.IsFinite), "the training diverged: the comparison would test little");
        for (int i = 0; i < expected.Length; i++)
            Determinism.SameBits($"{expected[i].Name}, {how}", expected[i].Values, actual[i].Values);
    }

    // Before CpuParallel ran a busy pool's shares inline, the held run of LeNet5 differed from the fourth step on.
    [Fact]
    public void LeNet5_trains_to_the_same_bits_on_a_quiet_machine_under_load_and_with_the_pool_held() =>
        Check(() => new LeNet5(capacity: Batch, seed: 3), () => new Adam(1e-3f), steps: 300);

    // About eight times LeNet5's work per step: fewer steps keep the test to a few seconds on two cores.
    [Fact]
    public void FashionResNet_trains_to_the_same_bits_on_a_quiet_machine_under_load_and_with_the_pool_held() =>
        Check(() => new FashionResNet(capacity: Batch, seed: 3), () => new Momentum(0.05f), steps: 150);
}
