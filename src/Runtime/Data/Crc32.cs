using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Unroll;

/// <summary>
/// The CRC-32 of gzip, zip and PNG (ISO-HDLC: reflected polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF),
/// computed eight bytes at a time ("slicing-by-8") so that checking a data set costs little beside decompressing it.
/// </summary>
internal static class Crc32
{
    // Table[k * 256 + b] is the CRC register after byte b followed by k zero bytes.
    private static readonly uint[] Table = CreateTable();

    private static uint[] CreateTable()
    {
        var table = new uint[8 * 256];
        for (uint b = 0; b < 256; b++)
        {
            var crc = b;
            for (var bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            table[b] = crc;
        }
        for (var i = 256; i < table.Length; i++) table[i] = (table[i - 256] >> 8) ^ table[table[i - 256] & 0xFF];
        return table;
    }

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>The CRC-32 of the bytes that gave <paramref name="crc"/> followed by <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        // Indices are masked to a byte, so they stay inside the table; skipping the bounds checks triples the speed.
        ref var table = ref MemoryMarshal.GetArrayDataReference(Table);
        crc = ~crc;
        while (data.Length >= 8)
        {
            var low = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
            var high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = Unsafe.Add(ref table, 7 * 256 + (low & 0xFF)) ^ Unsafe.Add(ref table, 6 * 256 + ((low >> 8) & 0xFF))
                ^ Unsafe.Add(ref table, 5 * 256 + ((low >> 16) & 0xFF)) ^ Unsafe.Add(ref table, 4 * 256 + (low >> 24))
                ^ Unsafe.Add(ref table, 3 * 256 + (high & 0xFF)) ^ Unsafe.Add(ref table, 2 * 256 + ((high >> 8) & 0xFF))
                ^ Unsafe.Add(ref table, 1 * 256 + ((high >> 16) & 0xFF)) ^ Unsafe.Add(ref table, high >> 24);
            data = data[8..];
        }
        foreach (var b in data) crc = (crc >> 8) ^ Unsafe.Add(ref table, (crc ^ b) & 0xFF);
        return ~crc;
    }
}
