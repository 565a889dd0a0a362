using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
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

    // A gzip file's last eight bytes are its trailer: the CRC-32 of the decompressed data, then its length, both little-endian.
    private static byte[] Gzip(byte[] bytes, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var stream = new MemoryStream();
        using (var zip = new GZipStream(stream, level, leaveOpen: true)) zip.Write(bytes);
        return stream.ToArray();
    }

    // 64 images of 28 x 28: large enough that reading the array does not reach the gzip trailer by chance.
    private static byte[] SampleIdx()
    {
        var data = new byte[64 * 28 * 28];
        new Random(7).NextBytes(data);
        return Idx([64, 28, 28], data);
    }

    private string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static InvalidDataException Refused(string path)
    {
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains($"IDX file '{path}' is corrupt", e.Message);
        return e;
    }

    [Fact]
    public void A_damaged_crc_in_the_trailer_is_refused()
    {
        var gz = Gzip(SampleIdx());
        gz[^8] ^= 0x01;
        var e = Refused(WriteBytes("crc.gz", gz));
        Assert.Contains("CRC mismatch", e.Message);
    }

    [Fact]
    public void Bytes_flipped_in_the_middle_of_the_data_fail_the_crc()
    {
        // Stored (uncompressed) deflate blocks decode whatever they hold, so only the CRC can notice the damage.
        var gz = Gzip(SampleIdx(), CompressionLevel.NoCompression);
        for (var i = 0; i < 64; i++) gz[gz.Length / 2 + i] ^= 0xFF;
        var e = Refused(WriteBytes("flipped.gz", gz));
        Assert.Contains("CRC mismatch", e.Message);
    }

    [Fact]
    public void A_wrong_length_in_the_trailer_is_refused()
    {
        var gz = Gzip(SampleIdx());
        gz[^4] ^= 0x01;
        var e = Refused(WriteBytes("length.gz", gz));
        Assert.Contains("length mismatch", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    public void A_truncated_trailer_is_refused(int missing)
    {
        var gz = Gzip(SampleIdx());
        var e = Refused(WriteBytes("short-trailer.gz", gz[..^missing]));
        Assert.Contains("truncated", e.Message);
        Assert.Contains($"{8 - missing} of the 8 bytes of its gzip trailer", e.Message);
    }

    [Fact]
    public void Truncated_compressed_data_is_refused()
    {
        var gz = Gzip(SampleIdx());
        var e = Refused(WriteBytes("half.gz", gz[..(gz.Length / 2)]));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("ends inside its compressed data", e.Message);
    }

    [Fact]
    public void Damaged_compressed_data_is_refused()
    {
        var gz = Gzip(SampleIdx());
        gz[10] = 0x07; // the first deflate block: final, of the reserved block type 3
        var e = Refused(WriteBytes("damaged.gz", gz));
        Assert.Contains("compressed data is damaged", e.Message);
    }

    [Fact]
    public void Two_concatenated_gzip_members_are_refused_clearly()
    {
        // gunzip would join the two; the array spans both, so reading only the first would be wrong.
        var idx = SampleIdx();
        var gz = Gzip(idx[..30_000]).Concat(Gzip(idx[30_000..])).ToArray();
        var e = Refused(WriteBytes("two.gz", gz));
        Assert.Contains("more than one gzip member", e.Message);
        Assert.Contains("gunzip -c", e.Message);
    }

    [Fact]
    public void Bytes_after_the_gzip_trailer_are_refused()
    {
        var gz = Gzip(SampleIdx()).Concat(new byte[] { 0, 0, 0 }).ToArray();
        var e = Refused(WriteBytes("padded.gz", gz));
        Assert.Contains("3 bytes after its gzip trailer", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bytes_beyond_the_declared_elements_are_refused(bool gzip)
    {
        var bytes = SampleIdx().Concat(new byte[] { 1, 2, 3, 4, 5 }).ToArray();
        var path = Write(gzip ? "long.gz" : "long", bytes, gzip);
        var e = Refused(path);
        Assert.Contains("5 bytes after the 50176 elements", e.Message);
    }

    [Fact]
    public void Optional_gzip_header_fields_are_read_and_the_header_crc_is_checked()
    {
        var idx = SampleIdx();
        var plain = Gzip(idx);
        // RFC 1952 header with FEXTRA, FNAME, FCOMMENT and FHCRC set, then the same deflate data and trailer.
        using var header = new MemoryStream();
        header.Write([0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3]);
        header.Write([3, 0, (byte)'a', (byte)'b', (byte)'c']);
        header.Write("data.idx\0"u8);
        header.Write("a comment\0"u8);
        var headerCrc = (ushort)Crc32.Compute(header.ToArray());
        header.Write([(byte)headerCrc, (byte)(headerCrc >> 8)]);
        var gz = header.ToArray().Concat(plain[10..]).ToArray();

        var read = IdxFile.Read(WriteBytes("fields.gz", gz));
        Assert.Equal(idx[16..], read.Data);

        gz[header.Length - 1] ^= 0x01;
        var e = Refused(WriteBytes("fields-bad.gz", gz));
        Assert.Contains("header CRC", e.Message);
    }

    [Fact]
    public void A_directory_is_reported_as_a_directory()
    {
        var path = Directory.CreateDirectory(Path.Combine(_directory, "images.gz")).FullName;
        var e = Assert.Throws<FileNotFoundException>(() => IdxFile.Read(path));
        Assert.Contains($"'{path}' is a directory", e.Message);
    }

    [Fact]
    public void The_real_training_images_with_64_bytes_flipped_in_the_middle_are_refused()
    {
        // The case that was reported: the damaged deflate data still decodes to 47 MB of (partly garbage) images, and
        // reading stopped before the trailer, so the images loaded.
        var gz = File.ReadAllBytes(Path.Combine(FashionMnist.DefaultDirectory, "train-images-idx3-ubyte.gz"));
        for (var i = 0; i < 64; i++) gz[gz.Length / 2 + i] ^= 0xFF;
        var e = Refused(WriteBytes("train-images-idx3-ubyte.gz", gz));
        Assert.Matches("CRC mismatch|compressed data is damaged", e.Message);
    }
}
