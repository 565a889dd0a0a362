using System;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics;

namespace Unroll.Benchmarks.Compare;

/// <summary>What the figures were measured on, read from /proc/cpuinfo where it exists.</summary>
internal static class MachineInfo
{
    public static string Processor() => CpuInfo("model name") ?? "unknown processor";

    public static double? ClockMhz() => double.TryParse(CpuInfo("cpu MHz"), System.Globalization.CultureInfo.InvariantCulture, out var mhz) ? mhz : null;

    public static string Isa() => Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" : "128-bit SIMD";

    public static string Describe() =>
        $"{Processor()}, {Environment.ProcessorCount} cores, {Isa()}, .NET {Environment.Version}, Unroll backend {CpuBackend.Shared.Name}";

    private static string? CpuInfo(string key)
    {
        if (!File.Exists("/proc/cpuinfo")) return null;
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':') + 1)..].Trim();
    }
}
