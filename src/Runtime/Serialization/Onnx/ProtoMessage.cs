using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Unroll;

/// <summary>
/// A protocol-buffers message being written: fields in the order added, each a varint, a 32-bit float or a
/// length-delimited value (bytes, a string, a packed array or a nested message). Sizes are computed before anything is
/// written, so nested messages stream straight to the file: a model's weights are never copied into one large buffer.
/// ONNX needs only this much of the wire format (https://protobuf.dev/programming-guides/encoding/).
/// </summary>
internal sealed class ProtoMessage
{
    private enum Kind : byte { Varint, Fixed32, Bytes, Message, PackedVarints }

    private readonly record struct Field(int Number, Kind Kind, long Value, ReadOnlyMemory<byte> Bytes, ProtoMessage? Message, long[]? Varints);

    private readonly List<Field> _fields = new();
    private long _size = -1;

    /// <summary>An int32, int64 or enum field. Negative values take ten bytes, as the format's two's complement asks.</summary>
    public ProtoMessage Varint(int number, long value) => Add(new Field(number, Kind.Varint, value, default, null, null));

    public ProtoMessage Float(int number, float value) => Add(new Field(number, Kind.Fixed32, BitConverter.SingleToInt32Bits(value), default, null, null));

    public ProtoMessage Bytes(int number, ReadOnlyMemory<byte> value) => Add(new Field(number, Kind.Bytes, 0, value, null, null));

    public ProtoMessage String(int number, string value) => Bytes(number, Encoding.UTF8.GetBytes(value));

    public ProtoMessage Message(int number, ProtoMessage value) => Add(new Field(number, Kind.Message, 0, default, value, null));

    /// <summary>A repeated int64 field, packed (one length-delimited run of varints).</summary>
    public ProtoMessage PackedVarints(int number, long[] values) => Add(new Field(number, Kind.PackedVarints, 0, default, null, values));

    private ProtoMessage Add(Field field)
    {
        _fields.Add(field);
        _size = -1;
        return this;
    }

    /// <summary>The encoded size in bytes.</summary>
    public long Size
    {
        get
        {
            if (_size >= 0) return _size;
            long size = 0;
            foreach (var f in _fields)
            {
                size += VarintSize(Tag(f.Number, 0));
                size += f.Kind switch
                {
                    Kind.Varint => VarintSize(f.Value),
                    Kind.Fixed32 => 4,
                    _ => VarintSize(PayloadSize(f)) + PayloadSize(f),
                };
            }
            return _size = size;
        }
    }

    public void WriteTo(Stream stream)
    {
        Span<byte> bits = stackalloc byte[4];
        foreach (var f in _fields)
        {
            switch (f.Kind)
            {
                case Kind.Varint:
                    WriteVarint(stream, Tag(f.Number, 0));
                    WriteVarint(stream, f.Value);
                    break;
                case Kind.Fixed32:
                    WriteVarint(stream, Tag(f.Number, 5));
                    System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bits, (int)f.Value);
                    stream.Write(bits);
                    break;
                default:
                    WriteVarint(stream, Tag(f.Number, 2));
                    WriteVarint(stream, PayloadSize(f));
                    if (f.Kind == Kind.Bytes) stream.Write(f.Bytes.Span);
                    else if (f.Kind == Kind.Message) f.Message!.WriteTo(stream);
                    else foreach (var v in f.Varints!) WriteVarint(stream, v);
                    break;
            }
        }
    }

    private static long PayloadSize(Field f)
    {
        switch (f.Kind)
        {
            case Kind.Bytes: return f.Bytes.Length;
            case Kind.Message: return f.Message!.Size;
            default:
                long size = 0;
                foreach (var v in f.Varints!) size += VarintSize(v);
                return size;
        }
    }

    private static long Tag(int number, int wireType) => ((long)number << 3) | (uint)wireType;

    private static int VarintSize(long value)
    {
        var v = (ulong)value;
        var size = 1;
        while (v >= 0x80)
        {
            v >>= 7;
            size++;
        }
        return size;
    }

    private static void WriteVarint(Stream stream, long value)
    {
        Span<byte> buffer = stackalloc byte[10];
        var v = (ulong)value;
        var n = 0;
        while (v >= 0x80)
        {
            buffer[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        buffer[n++] = (byte)v;
        stream.Write(buffer[..n]);
    }
}
