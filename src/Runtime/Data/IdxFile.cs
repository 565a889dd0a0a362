using System;
using System.Buffers.Binary;
using System.IO;

namespace Unroll;

/// <summary>
/// An array read from an IDX file (the format of MNIST and Fashion-MNIST): a big-endian header giving the element type
/// and the dimensions, then the elements. Only unsigned bytes (type 0x08) are supported, which is what image data sets use.
/// </summary>
public sealed class IdxFile
{
    private IdxFile(string path, int[] shape, byte[] data)
    {
        Path = path;
        Shape = shape;
        Data = data;
    }

    /// <summary>The file the array was read from.</summary>
    public string Path { get; }

    /// <summary>The dimensions, outermost first: (count, rows, columns) for images, (count) for labels.</summary>
    public int[] Shape { get; }

    /// <summary>The elements, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>
    /// Reads an IDX file, gzipped (name ending in .gz) or not. A missing file, a directory, or a truncated, damaged or
    /// malformed file throws an exception whose message names the file and what is wrong with it; nothing is returned
    /// from a file that fails any check. A gzipped file must be one gzip member whose trailer (the CRC-32 and length of
    /// the decompressed data) matches what came out, with nothing after it; the file must hold exactly the elements
    /// its header declares.
    /// </summary>
    public static IdxFile Read(string path)
    {
        if (Directory.Exists(path))
            throw new FileNotFoundException($"IDX file '{path}' is a directory, not a file.", path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GzipMemberStream(file, $"IDX file '{path}'")
            : file;
        IdxFile idx;
        try
        {
            idx = Read(stream, path);
        }
        catch (InvalidDataException) when (stream is GzipMemberStream gzip)
        {
            // A damaged gzip file explains a malformed array better than the array does: report that instead, if so.
            gzip.CheckToEnd();
            throw;
        }
        // Reading to the end also checks the gzip trailer, which follows the last element.
        var extra = CountRemainingBytes(stream);
        if (extra > 0)
            throw Corrupt(path, $"it holds {extra} bytes after the {idx.Data.Length} elements of shape ({string.Join(", ", idx.Shape)}) that its header declares");
        return idx;
    }

    private static long CountRemainingBytes(Stream stream)
    {
        Span<byte> scratch = stackalloc byte[4096];
        long count = 0;
        for (int read; (read = stream.Read(scratch)) > 0;) count += read;
        return count;
    }

    /// <summary>Reads an uncompressed IDX stream; <paramref name="name"/> is used in error messages.</summary>
    public static IdxFile Read(Stream stream, string name)
    {
        Span<byte> header = stackalloc byte[4];
        ReadExactly(stream, header, name, "the 4-byte magic number");
        if (header[0] != 0 || header[1] != 0)
            throw Corrupt(name, $"it does not start with an IDX magic number (first bytes {header[0]:x2} {header[1]:x2}, expected 00 00)");
        if (header[2] != 0x08)
            throw Corrupt(name, $"its element type is 0x{header[2]:x2}; only unsigned bytes (0x08) are supported");
        var rank = header[3];
        if (rank is 0 or > 4)
            throw Corrupt(name, $"it declares {rank} dimensions; expected 1 to 4");

        var shape = new int[rank];
        long count = 1;
        Span<byte> dim = stackalloc byte[4];
        for (var i = 0; i < rank; i++)
        {
            ReadExactly(stream, dim, name, $"dimension {i + 1} of {rank}");
            var size = BinaryPrimitives.ReadInt32BigEndian(dim);
            if (size <= 0)
                throw Corrupt(name, $"dimension {i + 1} is {size}; dimensions must be positive");
            shape[i] = size;
            count *= size;
        }
        if (count > Array.MaxLength)
            throw Corrupt(name, $"its dimensions ({string.Join(" x ", shape)}) hold {count} elements, more than an array can");

        var data = new byte[count];
        ReadExactly(stream, data, name, $"{count} elements of shape ({string.Join(", ", shape)})");
        return new IdxFile(name, shape, data);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string name, string what)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = stream.Read(buffer[total..]);
            if (read == 0)
                throw Corrupt(name, $"it ends after {total} of the {buffer.Length} bytes of {what} (truncated download?)");
            total += read;
        }
    }

    private static InvalidDataException Corrupt(string name, string reason) =>
        new($"IDX file '{name}' is corrupt: {reason}.");
}
