using BenchmarkDotNet.Running;

namespace Unroll.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        switch (args.Length > 0 ? args[0] : "")
        {
            case "compare": Compare.CompareCommand.Run(args); return;
            case "epochs": Compare.EpochsCommand.Run(args); return;
            case "profile": Profiling.ProfileCommand.Run(args); return;
            case "gemm-probe": GemmProbe.Run(args); return;
            case "alloc-probe": AllocProbe.Run(); return;
            default: BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args); return;
        }
    }
}
