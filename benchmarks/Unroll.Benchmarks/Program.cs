using BenchmarkDotNet.Running;

namespace Unroll.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "gemm-probe") { GemmProbe.Run(args); return; }
        if (args.Length > 0 && args[0] == "alloc-probe") { AllocProbe.Run(); return; }
        if (args.Length > 0 && args[0] == "profile") { Profiling.ProfileCommand.Run(args); return; }
        if (args.Length > 0 && args[0] == "peak-probe") { PeakProbe.Run(); return; }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
