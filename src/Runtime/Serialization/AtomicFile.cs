using System;
using System.IO;

namespace Unroll;

/// <summary>
/// Writes a file whole or not at all, for every save Unroll does (weights, ONNX models, checkpoints): the content goes
/// to a hidden temporary file beside the target, <c>.&lt;target name&gt;.&lt;32 hex digits&gt;.unroll-tmp</c>, which is
/// flushed to disk and then moved over the target, so an interrupted save never leaves a half-written file in its
/// place. A save killed before the move leaves its temporary file behind; the next save to the same path deletes such
/// leftovers of that target (files named exactly so, and only those that no other save still holds open), never other
/// files. Errors say what was being saved and name the target.
/// </summary>
internal static class AtomicFile
{
    private const string TemporarySuffix = ".unroll-tmp";

    /// <summary>
    /// Checks, before any work, that <paramref name="path"/> can be saved to: not a directory, in a directory that exists.
    /// Returns the full path. <paramref name="what"/> names the content in errors ("weights", "the ONNX model").
    /// </summary>
    public static string CheckTarget(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = Path.GetFullPath(path);
        if (Directory.Exists(target))
            throw new IOException($"Cannot save {what}: '{path}' is a directory.");
        var directory = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot save {what} to '{path}': its directory '{directory}' does not exist.");
        return target;
    }

    /// <summary>Writes <paramref name="path"/> with what <paramref name="write"/> puts in the stream, all or nothing.</summary>
    public static void Write(string path, string what, Action<Stream> write)
    {
        var target = CheckTarget(path, what);
        var directory = Path.GetDirectoryName(target)!;
        var name = Path.GetFileName(target);
        RemoveLeftoverTemporaries(directory, name);

        var temporary = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            // FileShare.None also locks the file, so that another save's clean-up leaves it alone while it is written.
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var message = $"Cannot save {what} to '{path}': {e.Message} (while writing it as the temporary file '{Path.GetFileName(temporary)}' beside it; the target is unchanged).";
            throw e is UnauthorizedAccessException ? new UnauthorizedAccessException(message, e) : new IOException(message, e);
        }
        finally
        {
            // After a failure; a temporary file that cannot be deleted now is a leftover the next save removes.
            try
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    // Deletes the temporary files that saves to this target left when killed before the move. A temporary file that
    // another save is still writing is locked, so opening it fails and it stays. Clean-up is best effort: a leftover it
    // cannot remove is no reason to fail the save.
    private static void RemoveLeftoverTemporaries(string directory, string targetName)
    {
        var prefix = $".{targetName}.";
        try
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*" + TemporarySuffix))
            {
                var fileName = Path.GetFileName(file);
                var isLeftover = fileName.Length == prefix.Length + 32 + TemporarySuffix.Length
                    && fileName.StartsWith(prefix, StringComparison.Ordinal) && fileName.EndsWith(TemporarySuffix, StringComparison.Ordinal)
                    && !fileName.AsSpan(prefix.Length, 32).ContainsAnyExcept("0123456789abcdef");
                if (!isLeftover) continue;
                try
                {
                    using var leftover = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Still being written, or not ours to delete: leave it.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The directory cannot be listed; writing into it will report the real problem if there is one.
        }
    }
}
