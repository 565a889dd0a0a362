using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using Xunit;

namespace Unroll.Tests.Data;

public sealed class Crc32Tests
{
    [Fact]
    public void Matches_the_standard_check_value()
    {
        // The check value of CRC-32/ISO-HDLC, the CRC of gzip: CRC("123456789") = 0xCBF43926.
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(23)]
    [InlineData(100_003)]
    public void Matches_the_crc_that_gzip_writes(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        using var stream = new MemoryStream();
        using (var zip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true)) zip.Write(data);
        var trailerCrc = BinaryPrimitives.ReadUInt32LittleEndian(stream.ToArray().AsSpan()[^8..]);

        Assert.Equal(trailerCrc, Crc32.Compute(data));
        // Appending piece by piece, at splits that do not fall on eight-byte boundaries, gives the same value.
        var first = length / 3;
        var second = Math.Min(length, first + 5);
        var pieces = Crc32.Append(Crc32.Append(Crc32.Compute(data.AsSpan(0, first)), data.AsSpan(first, second - first)), data.AsSpan(second));
        Assert.Equal(trailerCrc, pieces);
    }
}
