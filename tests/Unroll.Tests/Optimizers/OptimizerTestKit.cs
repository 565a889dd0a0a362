using System;
using System.Collections.Generic;
using Xunit;

namespace Unroll.Tests.Optimizers;

internal static class OptimizerTestKit
{
    /// <summary>A 1-D parameter on the CPU backend holding <paramref name="values"/>.</summary>
    public static Parameter Make(string name, params float[] values)
    {
        var p = new Parameter(CpuBackend.Shared, name, [values.Length], ParameterInit.Zeros);
        p.CopyFrom(values);
        return p;
    }

    /// <summary>Sets the gradient of a one-value parameter and steps; returns the new value.</summary>
    public static float StepWith(Optimizer optimizer, IReadOnlyList<Parameter> parameters, float gradient)
    {
        parameters[0].Gradient.Span[0] = gradient;
        optimizer.Step(parameters);
        return parameters[0].Value.Span[0];
    }

    public static void Near(double expected, float actual, double tolerance = 1e-6)
        => Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected}, got {actual}");

    /// <summary>Every optimizer with settings that minimise the test quadratic within the step budget.</summary>
    public static IEnumerable<(string Name, Func<Optimizer> Create, int Steps)> All()
    {
        yield return ("sgd", () => new Sgd(0.1f), 200);
        yield return ("momentum", () => new Momentum(0.05f, 0.9f), 200);
        yield return ("nesterov", () => new Nesterov(0.05f, 0.9f), 200);
        yield return ("adagrad", () => new Adagrad(0.5f), 300);
        yield return ("adadelta", () => new Adadelta(1.0f, 0.9f, 1e-3f), 1000);
        yield return ("rmsprop", () => new RmsProp(0.01f), 400);
        yield return ("adam", () => new Adam(0.05f), 400);
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var o in All()) data.Add(o.Name);
        return data;
    }

    public static (Func<Optimizer> Create, int Steps) Get(string name)
    {
        foreach (var o in All()) if (o.Name == name) return (o.Create, o.Steps);
        throw new ArgumentException(name);
    }
}
