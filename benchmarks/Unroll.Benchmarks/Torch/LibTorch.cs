using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;

namespace Unroll.Benchmarks.Torch;

/// <summary>
/// Makes TorchSharp's native library load on this machine and keeps libtorch's timings steady. Call
/// <see cref="Initialize"/> before the first <c>torch</c> call.
/// </summary>
internal static class LibTorch
{
    private static bool _initialized;

    public static void Initialize()
    {
        if (_initialized) return;
        if (OperatingSystem.IsLinux())
        {
            RelaxGlibcxxRequirement();
            // glibc hands large freed buffers back to the OS after every batch, so libtorch page-faults them in again:
            // 2-4x swings from run to run. Keeping them mapped makes its figures stable (and its best).
            _ = mallopt(MmapThreshold, 1 << 30);
            _ = mallopt(TrimThreshold, 1 << 30);
            SilenceNativeWarnings();
        }
        _initialized = true;
    }

    /// <summary>Sets libtorch's intra-op thread count (it reuses its pool, so switching between measurements is cheap).</summary>
    public static void SetThreads(int threads)
    {
        Initialize();
        if (torch.get_num_threads() != threads) torch.set_num_threads(threads);
    }

    private const int MmapThreshold = -3, TrimThreshold = -1;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);

    /// <summary>
    /// libtorch writes "Could not initialize NNPACK! Reason: Unsupported hardware" to standard error on every convolution
    /// call here (it then uses its other CPU paths), hundreds of lines that would bury the results, and its log level
    /// cannot be set from outside. So the process's native standard error goes to /dev/null, and .NET's
    /// <see cref="Console.Error"/> keeps the original stream: managed errors and exceptions still show.
    /// </summary>
    private static void SilenceNativeWarnings()
    {
        var original = dup(2);
        var nullDevice = open("/dev/null", 1 /* O_WRONLY */);
        if (original < 0 || nullDevice < 0) return;
        var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(original, ownsHandle: true), FileAccess.Write);
        Console.SetError(new StreamWriter(stream) { AutoFlush = true });
        _ = dup2(nullDevice, 2);
        _ = close(nullDevice);
    }

    [DllImport("libc", SetLastError = true)] private static extern int dup(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int dup2(int fd, int target);
    [DllImport("libc", SetLastError = true)] private static extern int close(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int open(string path, int flags);

    /// <summary>
    /// libLibTorchSharp.so asks for GLIBCXX_3.4.32 (GCC 13's libstdc++) for one symbol nothing calls
    /// (<c>std::ios_base_library_init</c>); Debian 12's libstdc++ stops at 3.4.30, so the load fails, and TorchSharp then
    /// reports a misleading "doesn't contain a reference to libtorch-cpu-linux-x64". Marking that one version need weak
    /// (VER_FLG_WEAK in its Vernaux entry) lets the dynamic loader accept the older library. Idempotent.
    /// </summary>
    private static void RelaxGlibcxxRequirement()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(path))
            throw new FileNotFoundException($"TorchSharp's native library is missing at {path}; rebuild the benchmarks project (it references TorchSharp-cpu).", path);
        var bytes = File.ReadAllBytes(path);
        if (MarkVersionNeedWeak(bytes, "GLIBCXX_3.4.32"))
        {
            var temporary = path + ".patching";
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
    }

    /// <summary>Sets VER_FLG_WEAK on the version need named <paramref name="version"/>; false if absent or already weak.</summary>
    internal static bool MarkVersionNeedWeak(byte[] elf, string version)
    {
        const uint ShtGnuVerneed = 0x6ffffffe;
        const ushort VerFlagWeak = 0x2;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2)
            throw new InvalidDataException("libLibTorchSharp.so is not a 64-bit ELF file.");
        var sectionTable = (int)BitConverter.ToInt64(elf, 0x28);
        int entrySize = BitConverter.ToUInt16(elf, 0x3A), count = BitConverter.ToUInt16(elf, 0x3C);
        for (var i = 0; i < count; i++)
        {
            var section = sectionTable + i * entrySize;
            if (BitConverter.ToUInt32(elf, section + 4) != ShtGnuVerneed) continue;
            var need = (int)BitConverter.ToInt64(elf, section + 0x18);
            var strings = (int)BitConverter.ToInt64(elf, sectionTable + (int)BitConverter.ToUInt32(elf, section + 0x28) * entrySize + 0x18);
            while (true)
            {
                // Elf64_Verneed: vn_version, vn_cnt (u16), vn_file, vn_aux, vn_next (u32).
                var aux = need + (int)BitConverter.ToUInt32(elf, need + 8);
                for (var k = BitConverter.ToUInt16(elf, need + 2); k > 0; k--)
                {
                    // Elf64_Vernaux: vna_hash (u32), vna_flags, vna_other (u16), vna_name, vna_next (u32).
                    var name = strings + (int)BitConverter.ToUInt32(elf, aux + 8);
                    var end = Array.IndexOf(elf, (byte)0, name);
                    if (Encoding.ASCII.GetString(elf, name, end - name) == version)
                    {
                        var flags = BitConverter.ToUInt16(elf, aux + 4);
                        if ((flags & VerFlagWeak) != 0) return false;
                        BitConverter.TryWriteBytes(elf.AsSpan(aux + 4), (ushort)(flags | VerFlagWeak));
                        return true;
                    }
                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }
                var next = BitConverter.ToUInt32(elf, need + 12);
                if (next == 0) break;
                need += (int)next;
            }
        }
        return false;
    }
}
