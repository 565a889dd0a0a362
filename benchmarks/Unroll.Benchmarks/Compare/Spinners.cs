using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace Unroll.Benchmarks.Compare;

/// <summary>
/// Background load for <c>compare --busy</c>: one busy-looping process per core, started from this program's own
/// executable (hidden command <c>spin</c>). Separate processes, as another program's load would be: threads in this
/// process would sit in its thread pool and garbage collector's way, which no real neighbour does. They are killed on
/// <see cref="Dispose"/>, on Ctrl+C and at process exit; a spinner also ends by itself when its standard input closes,
/// which happens when this process dies in any way, so none outlives the comparison.
/// </summary>
internal sealed class Spinners : IDisposable
{
    private readonly List<Process> _processes = [];
    private readonly ConsoleCancelEventHandler _onCancel;
    private readonly EventHandler _onExit;

    public int Count => _processes.Count;

    public Spinners(int count)
    {
        _onCancel = (_, _) => Dispose();
        _onExit = (_, _) => Dispose();
        Console.CancelKeyPress += _onCancel;
        AppDomain.CurrentDomain.ProcessExit += _onExit;
        try
        {
            for (var i = 0; i < count; i++)
            {
                var start = OwnExecutable();
                start.ArgumentList.Add("spin");
                start.RedirectStandardInput = true;
                start.UseShellExecute = false;
                _processes.Add(Process.Start(start) ?? throw new IOException($"could not start spinner process: {start.FileName}"));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>How to start this program again: its apphost, or <c>dotnet</c> with its assembly when run that way.</summary>
    private static ProcessStartInfo OwnExecutable()
    {
        var host = Environment.ProcessPath ?? throw new IOException("cannot find this program's executable to start spinners");
        var start = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(typeof(Spinners).Assembly.Location);
        return start;
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= _onCancel;
        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        lock (_processes)
        {
            foreach (var process in _processes)
            {
                try
                {
                    if (!process.HasExited) process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
                catch (InvalidOperationException) { } // it had already gone
                process.Dispose();
            }
            _processes.Clear();
        }
    }

    /// <summary>
    /// The hidden <c>spin</c> command: a busy loop on one core until standard input closes (the parent ended or killed it).
    /// </summary>
    public static void Spin()
    {
        var watcher = new System.Threading.Thread(() =>
        {
            try { while (Console.In.Read() >= 0) { } } catch (IOException) { }
            Environment.Exit(0);
        }) { IsBackground = true };
        watcher.Start();
        var x = 0UL;
        while (true) x = x * 6364136223846793005UL + 1442695040888963407UL;
    }
}
