using System;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Unroll.Benchmarks;

/// <summary>
/// Depthwise 3×3 Conv2D (groups == in channels), the direct kernel against the general im2col + GEMM-per-group path on the
/// same geometry. The path is chosen through the CPU backend's internal overload (reached by reflection: benchmarks only).
/// Run: <c>dotnet run -c Release --project benchmarks/Unroll.Benchmarks -- --filter "*Depthwise*" --job short --inProcess</c>.
/// </summary>
[MemoryDiagnoser]
public class DepthwiseBenchmarks
{
    private delegate void ForwardFn(FloatBuffer input, FloatBuffer weight, FloatBuffer? bias, FloatBuffer output, FloatBuffer workspace,
        int batch, in Conv2DGeometry geometry, bool depthwise);

    private delegate void BackwardFn(FloatBuffer input, FloatBuffer weight, FloatBuffer outputGradient, FloatBuffer? inputGradient,
        FloatBuffer weightGradient, FloatBuffer? biasGradient, FloatBuffer workspace, int batch, in Conv2DGeometry geometry, bool depthwise);

    private static readonly Type Kernels = typeof(CpuBackend).Assembly.GetType("Unroll.Conv2DKernels", throwOnError: true)!;
    private static readonly ForwardFn ForwardPath = Find<ForwardFn>("Forward", 8);
    private static readonly BackwardFn BackwardPath = Find<BackwardFn>("Backward", 10);

    private static T Find<T>(string name, int parameters) where T : Delegate
    {
        foreach (var m in Kernels.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public))
            if (m.Name == name && m.GetParameters().Length == parameters) return m.CreateDelegate<T>();
        throw new MissingMethodException(Kernels.FullName, name);
    }

    private FloatBuffer _x = null!, _w = null!, _b = null!, _y = null!, _dx = null!, _dw = null!, _db = null!, _ws = null!;
    private Conv2DGeometry _g;

    /// <summary>"728x19x19" (Xception middle flow), "32x112x112" (MobileNet's first depthwise layer), "32x112x112s2" (stride 2).</summary>
    [Params("728x19x19", "32x112x112", "32x112x112s2")]
    public string Layer { get; set; } = "";

    [Params(1, 8)]
    public int Batch { get; set; }

    [Params(true, false)]
    public bool Direct { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var cpu = CpuBackend.Shared;
        _g = Layer switch
        {
            "728x19x19" => new Conv2DGeometry(728, 19, 19, 728, 3, 3, 1, 1, 1, 1, 19, 19, Groups: 728),
            "32x112x112" => new Conv2DGeometry(32, 112, 112, 32, 3, 3, 1, 1, 1, 1, 112, 112, Groups: 32),
            _ => new Conv2DGeometry(32, 112, 112, 32, 3, 3, 2, 2, 0, 0, 56, 56, Groups: 32),
        };
        var rng = new Random(1);
        FloatBuffer Random(int n)
        {
            var b = cpu.Allocate(n);
            for (int i = 0; i < n; i++) b.Span[i] = (float)rng.NextDouble() - 0.5f;
            return b;
        }
        (_x, _w, _b) = (Random(Batch * _g.InputSize), Random(_g.WeightSize), Random(_g.OutChannels));
        (_y, _dx, _dw, _db) = (Random(Batch * _g.OutputSize), cpu.Allocate(Batch * _g.InputSize), cpu.Allocate(_g.WeightSize), cpu.Allocate(_g.OutChannels));
        _ws = cpu.Allocate(cpu.Conv2DWorkspaceLength(_g, Batch));
    }

    [Benchmark]
    public void Forward() => ForwardPath(_x, _w, _b, _y, _ws, Batch, _g, Direct);

    [Benchmark]
    public void Backward() => BackwardPath(_x, _w, _y, _dx, _dw, _db, _ws, Batch, _g, Direct);
}
