using System;
using BenchmarkDotNet.Running;

namespace Unroll.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        try
        {
            return Run(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or System.IO.IOException)
        {
            // A wrong case name, a bad option or missing data: say what, without a stack trace.
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (Onnx.ParityException e)
        {
            // A peer that computes something else must not be timed; say which case and by how much.
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static int Run(string[] args)
    {
        switch (args.Length > 0 ? args[0] : "")
        {
            case "compare": Compare.CompareCommand.Run(args); return 0;
            case "epochs": Compare.EpochsCommand.Run(args); return 0;
            case "profile": Profiling.ProfileCommand.Run(args); return 0;
            case "gemm-probe": GemmProbe.Run(args); return 0;
            case "alloc-probe": AllocProbe.Run(); return 0;
            case "spin": Compare.Spinners.Spin(); return 0; // hidden: the background load of compare --busy
            default: BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args); return 0;
        }
    }
}
