using System;
using System.IO;
using System.IO.Compression;
using Xunit;

namespace Unroll.Tests.Data;

public sealed class IdxFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("unroll-idx-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static byte[] Idx(int[] shape, byte[] data, byte type = 0x08)
    {
        using var stream = new MemoryStream();
        stream.Write([0, 0, type, (byte)shape.Length]);
        foreach (var d in shape) stream.Write([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        stream.Write(data);
        return stream.ToArray();
    }

    private string Write(string name, byte[] bytes, bool gzip)
    {
        var path = Path.Combine(_directory, name);
        using var file = File.Create(path);
        if (gzip)
        {
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            zip.Write(bytes);
        }
        else file.Write(bytes);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_shape_and_data(bool gzip)
    {
        var data = new byte[2 * 3 * 4];
        for (var i = 0; i < data.Length; i++) data[i] = (byte)(i * 7);
        var path = Write(gzip ? "a.gz" : "a", Idx([2, 3, 4], data), gzip);

        var idx = IdxFile.Read(path);

        Assert.Equal([2, 3, 4], idx.Shape);
        Assert.Equal(data, idx.Data);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        var path = Path.Combine(_directory, "nope.gz");
        var e = Assert.Throws<FileNotFoundException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Truncated_data_says_how_much_arrived()
    {
        var bytes = Idx([10, 2], new byte[20]);
        var path = Write("short.gz", bytes[..^5], gzip: true);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("ends after 15 of the 20 bytes", e.Message);
    }

    [Fact]
    public void Wrong_magic_is_reported()
    {
        var path = Write("text.gz", "hello world, not idx"u8.ToArray(), gzip: true);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains("does not start with an IDX magic number", e.Message);
    }

    [Fact]
    public void Unsupported_element_type_is_reported()
    {
        var path = Write("floats", Idx([1], new byte[4], type: 0x0D), gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains("element type is 0x0d", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_gzip_is_reported_as_corrupt_with_its_name()
    {
        var path = Write("plain.gz", Idx([1], [5]), gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("corrupt", e.Message);
    }
}
