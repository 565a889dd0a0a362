using System;
using System.Collections.Generic;
using Xunit;

namespace Unroll.Tests.Kernels;

/// <summary>
/// Every backend the kernel tests run against: the contract (IBackend) is what they test. The ILGPU backend runs on
/// ILGPU's CPU accelerator, which needs no GPU, so CI runs every kernel test on the GPU kernels too. Theories take the
/// backend's name, not the backend: xUnit disposes disposable theory arguments after each test, and the ILGPU backend
/// is shared by the whole run (its kernels load once).
/// </summary>
public static class Backends
{
    /// <summary>The ILGPU backend on the CPU accelerator, one for the whole test run.</summary>
    public static readonly IlgpuBackend IlgpuCpu = IlgpuBackend.Create(IlgpuDevice.Cpu);

    public static IEnumerable<object[]> All()
    {
        yield return ["cpu"];
        yield return ["ilgpu-cpu"];
    }

    /// <summary>
    /// The backends whose host allocations the allocation tests measure. Not the ILGPU CPU accelerator: its emulation
    /// allocates a task object on every kernel launch (thousands of bytes a call, none of them the backend's), and it
    /// runs the 64×784×256 products of those tests for minutes. The CUDA path's host allocation per training step is
    /// measured by the benchmarks' `gpu` command instead.
    /// </summary>
    public static IEnumerable<object[]> AllocationChecked()
    {
        yield return ["cpu"];
    }

    public static IBackend Named(string name) => name switch
    {
        "cpu" => CpuBackend.Shared,
        "ilgpu-cpu" => IlgpuCpu,
        _ => throw new ArgumentException($"No test backend '{name}'.", nameof(name)),
    };
}

/// <summary>Buffers, random data and comparisons shared by the kernel tests.</summary>
internal static class Support
{
    public static float[] Random(int length, int seed, float low = -1f, float high = 1f)
    {
        var rng = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = low + (high - low) * (float)rng.NextDouble();
        return values;
    }

    public static FloatBuffer Upload(IBackend backend, float[] values)
    {
        var buffer = backend.Allocate(values.Length);
        backend.Upload(values, buffer);
        return buffer;
    }

    public static float[] Download(IBackend backend, FloatBuffer buffer)
    {
        var values = new float[buffer.Length];
        backend.Download(buffer, 0, values);
        return values;
    }

    public static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    /// <summary>Asserts |actual − expected| ≤ tolerance·(1 + |expected|) everywhere, naming the first index that fails.</summary>
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.True(actual.Length >= expected.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i])) continue;
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= tolerance * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:G9}, got {actual[i]:G9} (error {error:G3}, tolerance {tolerance:G3})");
        }
    }

    /// <summary>
    /// Central finite differences of L(p) = Σ f(p)·r with respect to every entry of p, in double precision.
    /// With h = 1e-5 on smooth functions of O(1) values the truncation error is O(h²) ≈ 1e-10 and the rounding error
    /// O(eps/h) ≈ 1e-11, far below the float tolerances the gradients are checked with.
    /// </summary>
    public static double[] NumericGradient(double[] p, Func<double[], double[]> f, double[] r, double h = 1e-5, int stride = 1)
    {
        // With stride > 1 only every stride-th entry is differentiated (the rest stay NaN and are skipped by Close).
        var grad = new double[p.Length];
        Array.Fill(grad, double.NaN);
        for (int i = 0; i < p.Length; i += stride)
        {
            double saved = p[i];
            p[i] = saved + h; double plus = Dot(f(p), r);
            p[i] = saved - h; double minus = Dot(f(p), r);
            p[i] = saved;
            grad[i] = (plus - minus) / (2 * h);
        }
        return grad;
    }

    public static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
