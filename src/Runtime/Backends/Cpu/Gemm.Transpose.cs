using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Unroll;

public static partial class Gemm
{
    /// <summary>
    /// dst[p·width + r] = scale·src[r·ld + p] for r &lt; rows, p &lt; cols: packs stored rows as panel columns (A panels from
    /// a row-major A, B panels from a transposed B). Element by element this is the slowest part of packing (a strided
    /// store per value); blocks of 8×8 are transposed in registers instead (the classic unpack/shuffle/permute sequence).
    /// </summary>
    private static void TransposeInto(ReadOnlySpan<float> src, int ld, int rows, int cols, int width, float scale, Span<float> dst)
    {
        if (rows == 0 || cols == 0) return;
        if ((long)(rows - 1) * ld + cols > src.Length || (long)(cols - 1) * width + rows > dst.Length) throw new ArgumentOutOfRangeException(nameof(src));
        ref float s = ref MemoryMarshal.GetReference(src);
        ref float d = ref MemoryMarshal.GetReference(dst);
        int r0 = 0;
        if (Avx.IsSupported)
        {
            var factor = Vector256.Create(scale);
            for (; r0 + 8 <= rows; r0 += 8)
            {
                int p = 0;
                for (; p + 8 <= cols; p += 8)
                    Transpose8x8(ref Unsafe.Add(ref s, r0 * ld + p), ld, ref Unsafe.Add(ref d, p * width + r0), width, factor);
                for (; p < cols; p++)
                    for (int r = r0; r < r0 + 8; r++) Unsafe.Add(ref d, p * width + r) = scale * Unsafe.Add(ref s, r * ld + p);
            }
        }
        for (int r = r0; r < rows; r++)
            for (int p = 0; p < cols; p++) Unsafe.Add(ref d, p * width + r) = scale * Unsafe.Add(ref s, r * ld + p);
    }

    /// <summary>
    /// dst[p·width + r] = scale·src[p·ld + r] for r &lt; count, p &lt; rows: packs runs of stored rows as panel columns (A
    /// panels from a transposed A). A whole 8- or 6-value run moves as one or two vectors rather than value by value.
    /// </summary>
    private static void CopyRows(ReadOnlySpan<float> src, int ld, int count, int rows, int width, float scale, Span<float> dst)
    {
        if (count == 0 || rows == 0) return;
        if ((long)(rows - 1) * ld + count > src.Length || (long)(rows - 1) * width + count > dst.Length) throw new ArgumentOutOfRangeException(nameof(src));
        ref float s = ref MemoryMarshal.GetReference(src);
        ref float d = ref MemoryMarshal.GetReference(dst);
        if (count == 8 && Vector256.IsHardwareAccelerated)
        {
            var factor = Vector256.Create(scale);
            for (int p = 0; p < rows; p++) (Vector256.LoadUnsafe(ref s, (nuint)(p * ld)) * factor).StoreUnsafe(ref d, (nuint)(p * width));
        }
        else if (count == 6 && Vector128.IsHardwareAccelerated)
        {
            var factor = Vector128.Create(scale);
            for (int p = 0; p < rows; p++)
            {
                ref float sp = ref Unsafe.Add(ref s, p * ld);
                ref float dp = ref Unsafe.Add(ref d, p * width);
                (Vector128.LoadUnsafe(ref sp) * factor).StoreUnsafe(ref dp);
                Unsafe.Add(ref dp, 4) = scale * Unsafe.Add(ref sp, 4);
                Unsafe.Add(ref dp, 5) = scale * Unsafe.Add(ref sp, 5);
            }
        }
        else
        {
            for (int p = 0; p < rows; p++)
                for (int r = 0; r < count; r++) Unsafe.Add(ref d, p * width + r) = scale * Unsafe.Add(ref s, p * ld + r);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref float s, int ld, ref float d, int width, Vector256<float> scale)
    {
        var r0 = Vector256.LoadUnsafe(ref s);
        var r1 = Vector256.LoadUnsafe(ref s, (nuint)ld);
        var r2 = Vector256.LoadUnsafe(ref s, (nuint)(2 * ld));
        var r3 = Vector256.LoadUnsafe(ref s, (nuint)(3 * ld));
        var r4 = Vector256.LoadUnsafe(ref s, (nuint)(4 * ld));
        var r5 = Vector256.LoadUnsafe(ref s, (nuint)(5 * ld));
        var r6 = Vector256.LoadUnsafe(ref s, (nuint)(6 * ld));
        var r7 = Vector256.LoadUnsafe(ref s, (nuint)(7 * ld));
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        (Avx.Permute2x128(u0, u4, 0x20) * scale).StoreUnsafe(ref d);
        (Avx.Permute2x128(u1, u5, 0x20) * scale).StoreUnsafe(ref d, (nuint)width);
        (Avx.Permute2x128(u2, u6, 0x20) * scale).StoreUnsafe(ref d, (nuint)(2 * width));
        (Avx.Permute2x128(u3, u7, 0x20) * scale).StoreUnsafe(ref d, (nuint)(3 * width));
        (Avx.Permute2x128(u0, u4, 0x31) * scale).StoreUnsafe(ref d, (nuint)(4 * width));
        (Avx.Permute2x128(u1, u5, 0x31) * scale).StoreUnsafe(ref d, (nuint)(5 * width));
        (Avx.Permute2x128(u2, u6, 0x31) * scale).StoreUnsafe(ref d, (nuint)(6 * width));
        (Avx.Permute2x128(u3, u7, 0x31) * scale).StoreUnsafe(ref d, (nuint)(7 * width));
    }
}
