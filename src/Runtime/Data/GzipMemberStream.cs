using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace Unroll;

/// <summary>
/// Decompresses a gzip file of a single member (RFC 1952) and checks all of it: the header, the deflate data, and, when the
/// end of the data is read, the trailer (CRC-32 and length of the decompressed data) and that nothing follows it.
/// <see cref="GZipStream"/> checks the trailer only when a read happens to reach it, accepts a file whose trailer is cut
/// short, ignores bytes after it, and joins further members; a reader that stops at the end of its array would then
/// take damaged data as good. Every problem throws an <see cref="InvalidDataException"/> that starts with the file's
/// description ("IDX file '…'") and says what is wrong.
/// </summary>
internal sealed class GzipMemberStream : Stream
{
    // FLG bits (RFC 1952, 2.3.1); the three high bits are reserved and must be zero.
    private const byte HeaderCrcFlag = 0x02, ExtraFlag = 0x04, NameFlag = 0x08, CommentFlag = 0x10, ReservedFlags = 0xE0;

    private readonly Stream _file;
    private readonly string _description;
    private readonly long _fileLength;
    private readonly InputFeed _input;
    private readonly DeflateStream _deflate;
    private uint _crc;
    private long _length;
    private bool _ended;
    private InvalidDataException? _failure;

    /// <summary>Reads and checks the gzip header of <paramref name="file"/> (seekable, at its start).</summary>
    /// <param name="file">The whole gzip file; left open.</param>
    /// <param name="description">Names the file in error messages, e.g. <c>IDX file '/data/x.gz'</c>.</param>
    public GzipMemberStream(Stream file, string description)
    {
        _file = file;
        _description = description;
        _fileLength = file.Length;
        var dataStart = ReadHeader();
        _input = new InputFeed(file, dataStart, _fileLength);
        _deflate = new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
    }

    public override int Read(Span<byte> buffer)
    {
        if (_failure is not null) throw _failure;
        if (_ended || buffer.IsEmpty) return 0;
        int read;
        try
        {
            read = _deflate.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            // The decompressor's own message ("unsupported compression method") misleads; keep it as the inner exception.
            throw Fail(_input.RanOut
                ? $"truncated: it ends inside its compressed data, after {_fileLength} bytes (truncated download?)"
                : $"its compressed data is damaged, at or before byte {_input.Position} of its {_fileLength}", e);
        }
        if (read > 0)
        {
            _crc = Crc32.Append(_crc, buffer[..read]);
            _length += read;
            return read;
        }
        _ended = true;
        CheckEnd();
        return 0;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Reads to the end of the member, so that a damaged file throws its own error.</summary>
    public void CheckToEnd()
    {
        Span<byte> scratch = stackalloc byte[4096];
        while (Read(scratch) > 0) { }
    }

    private void CheckEnd()
    {
        if (_input.RanOut)
            throw Fail($"truncated: it ends inside its compressed data, after {_fileLength} bytes (truncated download?)");
        var end = _input.Position;
        if (!_input.EndIsExact)
            throw Fail($"its compressed data ends at or before byte {end} of its {_fileLength}, and more follows: it holds more than one gzip member "
                + $"(files joined with cat?) or other data after the first. Only single-member gzip files are read; recompress it with: gunzip -c '{FileName}' | gzip > new.gz");

        var trailerBytes = _fileLength - end;
        if (trailerBytes < 8)
            throw Fail($"truncated: only {trailerBytes} of the 8 bytes of its gzip trailer (CRC-32 and length) follow its compressed data (truncated download?)");
        Span<byte> trailer = stackalloc byte[10];
        _file.Position = end;
        var got = _file.ReadAtLeast(trailer, (int)Math.Min(trailer.Length, trailerBytes), throwOnEndOfStream: false);
        var storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        var storedLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (storedCrc != _crc)
            throw Fail($"CRC mismatch: its gzip trailer records CRC-32 {storedCrc:x8} but the decompressed data has {_crc:x8} (the file is damaged)");
        if (storedLength != (uint)_length)
            throw Fail($"length mismatch: its gzip trailer records {storedLength} decompressed bytes (modulo 2^32) but {_length} came out (the file is damaged)");
        if (trailerBytes > 8)
            throw got >= 10 && trailer[8] == 0x1f && trailer[9] == 0x8b
                ? Fail($"it holds more than one gzip member (a second starts at byte {end + 8} of {_fileLength}); only single-member gzip files are read; recompress it with: gunzip -c '{FileName}' | gzip > new.gz")
                : Fail($"it has {trailerBytes - 8} bytes after its gzip trailer");
    }

    private string FileName => _file is FileStream f ? f.Name : "file.gz";

    // Returns where the deflate data starts.
    private long ReadHeader()
    {
        // ID1 ID2 CM FLG, MTIME (4), XFL, OS; then the optional fields FLG announces, in this order.
        using var header = new MemoryStream();
        var fixedPart = ReadHeaderBytes(header, 10, "its 10-byte gzip header");
        if (fixedPart[0] != 0x1f || fixedPart[1] != 0x8b)
            throw Fail($"it is not gzip data: it starts with {fixedPart[0]:x2} {fixedPart[1]:x2}, not the gzip magic number 1f 8b");
        if (fixedPart[2] != 8)
            throw Fail($"its gzip header names compression method {fixedPart[2]}; gzip defines only deflate (8)");
        var flags = fixedPart[3];
        if ((flags & ReservedFlags) != 0)
            throw Fail($"its gzip header sets reserved flag bits (flags 0x{flags:x2})");
        if ((flags & ExtraFlag) != 0)
        {
            var extraLength = ReadHeaderBytes(header, 2, "the length of its gzip header's extra field");
            ReadHeaderBytes(header, extraLength[0] | extraLength[1] << 8, "its gzip header's extra field");
        }
        if ((flags & NameFlag) != 0) ReadZeroTerminated(header, "the file name in its gzip header");
        if ((flags & CommentFlag) != 0) ReadZeroTerminated(header, "the comment in its gzip header");
        if ((flags & HeaderCrcFlag) != 0)
        {
            var expected = (ushort)Crc32.Compute(header.GetBuffer().AsSpan(0, (int)header.Length));
            var stored = ReadHeaderBytes(header, 2, "its gzip header's CRC");
            if ((stored[0] | stored[1] << 8) != expected)
                throw Fail($"header CRC mismatch: its gzip header records CRC-16 {stored[0] | stored[1] << 8:x4} but the header has {expected:x4}");
        }
        return _file.Position;
    }

    private byte[] ReadHeaderBytes(MemoryStream header, int count, string what)
    {
        var bytes = new byte[count];
        var read = _file.ReadAtLeast(bytes, count, throwOnEndOfStream: false);
        if (read < count) throw Fail($"truncated: it ends inside {what}, after {_file.Position} bytes");
        header.Write(bytes);
        return bytes;
    }

    private void ReadZeroTerminated(MemoryStream header, string what)
    {
        int b;
        do
        {
            b = _file.ReadByte();
            if (b < 0) throw Fail($"truncated: it ends inside {what}, after {_file.Position} bytes");
            header.WriteByte((byte)b);
        } while (b != 0);
    }

    private InvalidDataException Fail(string reason, Exception? inner = null) =>
        _failure = new InvalidDataException($"{_description} is corrupt: {reason}.", inner);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _deflate.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>
    /// Hands the deflate data to <see cref="DeflateStream"/> and tells where it ended. DeflateStream reads its input in
    /// blocks and does not say how much of the last one it used, but it reads only when the decompressor has used all it
    /// was given, and zlib never takes a byte past the end of the deflate data. So the last bytes of the file (where a
    /// single member's data ends, 8 bytes before the end of the file) are handed over one at a time: if the data ends
    /// there, <see cref="Position"/> is exactly its end. If it ends earlier, more than a trailer follows it.
    /// </summary>
    private sealed class InputFeed(Stream file, long start, long length) : Stream
    {
        // One byte at a time from a little before where a single member's trailer must start: 72 reads, which cost nothing.
        private readonly long _exactFrom = Math.Max(start, length - 8 - 64);

        private long _position = start;

        /// <summary>How many bytes of the file have been handed over (counting the gzip header before them).</summary>
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        /// <summary>Whether the decompressor asked for input after the end of the file.</summary>
        public bool RanOut { get; private set; }

        /// <summary>Whether <see cref="Position"/> is exactly where the deflate data ended (it ended in the byte-wise part).</summary>
        public bool EndIsExact => _position > _exactFrom;

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty) return 0;
            if (_position >= length)
            {
                RanOut = true;
                return 0;
            }
            var count = _position < _exactFrom ? (int)Math.Min(buffer.Length, _exactFrom - _position) : 1;
            var read = file.Read(buffer[..count]);
            if (read == 0) RanOut = true;
            _position += read;
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
