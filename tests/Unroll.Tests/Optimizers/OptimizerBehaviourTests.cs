using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using static Unroll.Tests.Optimizers.OptimizerTestKit;

namespace Unroll.Tests.Optimizers;

/// <summary>What every optimizer must do: converge, allocate nothing after binding, stay width-independent, guard its binding.</summary>
public sealed class OptimizerBehaviourTests
{
    public static TheoryData<string> Names => OptimizerTestKit.Names();

    /// <summary>f(p) = ½Σ aᵢ(pᵢ − cᵢ)², gradient aᵢ(pᵢ − cᵢ), over two parameters (37 + 5 values: vector body and tail).</summary>
    private static (List<Parameter> Parameters, Func<double> Loss, Action Gradient) Quadratic()
    {
        var r = new Random(5);
        var parameters = new List<Parameter>
        {
            Make("a.weight", Enumerable.Range(0, 37).Select(_ => (float)(4 * r.NextDouble() - 2)).ToArray()),
            Make("a.bias", Enumerable.Range(0, 5).Select(_ => (float)(4 * r.NextDouble() - 2)).ToArray()),
        };
        var curvature = parameters.Select(p => Enumerable.Range(0, p.Length).Select(_ => 0.5 + 1.5 * r.NextDouble()).ToArray()).ToArray();
        var centre = parameters.Select(p => Enumerable.Range(0, p.Length).Select(_ => 2 * r.NextDouble() - 1).ToArray()).ToArray();
        double Loss()
        {
            double sum = 0;
            for (int k = 0; k < parameters.Count; k++)
                for (int i = 0; i < parameters[k].Length; i++)
                    sum += 0.5 * curvature[k][i] * Math.Pow(parameters[k].Value.Span[i] - centre[k][i], 2);
            return sum;
        }
        void Gradient()
        {
            for (int k = 0; k < parameters.Count; k++)
                for (int i = 0; i < parameters[k].Length; i++)
                    parameters[k].Gradient.Span[i] = (float)(curvature[k][i] * (parameters[k].Value.Span[i] - centre[k][i]));
        }
        return (parameters, Loss, Gradient);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void MinimisesAQuadratic(string name)
    {
        var (create, steps) = Get(name);
        var (parameters, loss, gradient) = Quadratic();
        var optimizer = create();
        double start = loss();
        for (int s = 0; s < steps; s++)
        {
            gradient();
            optimizer.Step(parameters);
        }
        double end = loss();
        Assert.Equal(steps, optimizer.Steps);
        // Starting around 10, every optimizer gets within 1e-3 of the minimum (0); RMSprop and Adam hover at about lr.
        Assert.True(end < 1e-3 * start, $"{name}: loss {start} → {end} after {steps} steps");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void AllocatesNothingAfterTheFirstStep(string name)
    {
        var (parameters, _, gradient) = Quadratic();
        var optimizer = Get(name).Create();
        gradient();
        optimizer.Step(parameters); // binds and allocates the state
        optimizer.Step(parameters); // JIT of every path
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int s = 0; s < 20; s++) optimizer.Step(parameters);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void VectorAndScalarPathsAgreeBitForBit(string name)
    {
        // One 37-value parameter goes through the 512/256-bit body and the scalar tail; 37 one-value parameters
        // go through the scalar tail only. Without fused multiply-add the results must be identical.
        var r = new Random(9);
        var values = Enumerable.Range(0, 37).Select(_ => (float)r.NextDouble()).ToArray();
        var gradients = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 37).Select(_ => (float)(2 * r.NextDouble() - 1)).ToArray()).ToArray();
        var wide = new List<Parameter> { Make("wide", values) };
        var narrow = values.Select((v, i) => Make($"n{i}", v)).ToList();
        var a = Get(name).Create();
        var b = Get(name).Create();
        foreach (var g in gradients)
        {
            g.CopyTo(wide[0].Gradient.Span);
            for (int i = 0; i < 37; i++) narrow[i].Gradient.Span[0] = g[i];
            a.Step(wide);
            b.Step(narrow);
        }
        for (int i = 0; i < 37; i++) Assert.Equal(narrow[i].Value.Span[0], wide[0].Value.Span[i]);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void SteppingAnotherListThrowsUntilReset(string name)
    {
        var first = new List<Parameter> { Make("dense_1.weight", 1f, 2f), Make("dense_1.bias", 0f) };
        var optimizer = Get(name).Create();
        optimizer.Step(first);
        optimizer.Step(new List<Parameter>(first)); // a copy of the same list is the same binding

        var other = new List<Parameter> { first[0], Make("dense_2.bias", 0f) };
        var ex = Assert.Throws<InvalidOperationException>(() => optimizer.Step(other));
        Assert.Contains("at index 1 it has 'dense_2.bias' where 'dense_1.bias' was bound", ex.Message);
        Assert.Contains("Reset()", ex.Message);
        ex = Assert.Throws<InvalidOperationException>(() => optimizer.Step([first[0]]));
        Assert.Contains("it has 1 parameters, not 2", ex.Message);
        Assert.Equal(2, optimizer.Steps);

        optimizer.Reset();
        Assert.Equal(0, optimizer.Steps);
        optimizer.Step(other);
        Assert.Equal(1, optimizer.Steps);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_backend_without_updates_is_named_at_the_first_step(string name)
    {
        var device = new Parameter(DeviceOnlyBackend.Create(), "conv_1.weight", [2, 3], ParameterInit.Zeros);
        var ex = Assert.Throws<NotSupportedException>(() => Get(name).Create().Step([device]));
        Assert.Contains("device-only (test)", ex.Message);
        Assert.Contains("OptimizerUpdate", ex.Message);
        Assert.Contains("conv_1.weight", ex.Message);
    }

    [Fact]
    public void ZeroGradientLeavesSgdFamilyAtRest()
    {
        var ps = new[] { Make("w", 0.5f, -0.25f) };
        foreach (var optimizer in new Optimizer[] { new Sgd(), new Momentum(), new Nesterov(), new Adagrad(), new RmsProp(), new Adam() })
        {
            optimizer.Step(ps);
            Assert.Equal([0.5f, -0.25f], ps[0].Value.Span.ToArray());
        }
    }
}
