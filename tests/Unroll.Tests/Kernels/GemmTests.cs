using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using Xunit;

namespace Unroll.Tests.Kernels;

/// <summary>The CPU matrix-multiply core against a double-precision reference, for every micro-kernel this machine runs.</summary>
public class GemmTests
{
    public static IEnumerable<object[]> Kernels()
    {
        yield return [GemmKernel.Scalar];
        if (Vector256.IsHardwareAccelerated) yield return [GemmKernel.Vector256];
        if (Vector512.IsHardwareAccelerated) yield return [GemmKernel.Vector512];
    }

    // (m, n, k): odd sizes around the tile (6/8 × 16/32) and block (MC 240, KC 384, NC 2048) edges; the last ones are above the threading threshold.
    private static readonly (int m, int n, int k)[] Sizes =
    [
        (1, 1, 1), (1, 7, 33), (7, 1, 65), (7, 33, 65), (33, 65, 7), (65, 130, 1), (130, 33, 257), (257, 65, 130),
        (241, 257, 400), (300, 2100, 40),
    ];

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Matches_reference_for_every_transpose_and_size(GemmKernel kernel)
    {
        int seed = 0;
        foreach (var (m, n, k) in Sizes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    if (kernel == GemmKernel.Scalar && (long)m * n * k > 5_000_000) continue; // the scalar fallback is slow; its edges are covered above
                    Check(kernel, ta, tb, m, n, k, alpha: 1f, beta: 0f, pad: 0, seed++);
                    Check(kernel, ta, tb, m, n, k, alpha: -1.5f, beta: 0.5f, pad: 3, seed++);
                }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Single_threaded_span_path_matches_reference(GemmKernel kernel)
    {
        var (m, n, k) = (70, 90, 300);
        var a = Support.Random(m * k, 1); var b = Support.Random(k * n, 2); var c = Support.Random(m * n, 3);
        var expected = Reference.Gemm(false, true, m, n, k, 2.0, a, k, b, k, 1.0, c, n);
        Gemm.Multiply(kernel, false, true, m, n, k, 2f, a, k, b, k, 1f, c, n);
        Support.Close(expected, c, 1e-5 * Math.Sqrt(k), "C");
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Packed_B_gives_the_unpacked_bits(GemmKernel kernel)
    {
        // Across the KC (384) and NC (2048) block edges, with edge tiles, both ways of A and B, and beta 0, 1 and 0.5.
        int seed = 100;
        foreach (var (m, n, k) in new[] { (7, 33, 65), (13, 384, 128), (20, 128, 384), (9, 2100, 400) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    foreach (float beta in new[] { 0f, 1f, 0.5f })
                    {
                        if (kernel == GemmKernel.Scalar && (long)m * n * k > 2_000_000) continue;
                        int lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n + 3;
                        var a = Support.Random((ta ? k : m) * lda, seed++);
                        var b = Support.Random((tb ? n : k) * ldb, seed++);
                        var expected = Support.Random(m * ldc, seed++);
                        var actual = (float[])expected.Clone();
                        Gemm.Multiply(kernel, ta, tb, m, n, k, 1.5f, a, lda, b, ldb, beta, expected, ldc);
                        var packed = new float[Gemm.PackedBLength(kernel, k, n)];
                        Gemm.PackB(kernel, tb, k, n, b, ldb, packed);
                        Gemm.MultiplyPackedB(kernel, ta, m, n, k, 1.5f, a, lda, packed, beta, actual, ldc);
                        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{kernel} ta={ta} tb={tb} {m}×{n}×{k} beta {beta}");
                    }
        var small = new float[Gemm.PackedBLength(kernel, 10, 10) - 1];
        var e = Assert.Throws<ArgumentException>(() => Gemm.PackB(kernel, false, 10, 10, new float[100], 10, small));
        Assert.Contains("packed 10×10 B", e.Message);
    }

    [Fact]
    public void Zero_k_scales_c_by_beta()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.MultiplyParallel(false, false, 2, 2, 0, 1f, Array.Empty<float>(), 0, Array.Empty<float>(), 2, 0.5f, c, 2);
        Assert.Equal(new float[] { 0.5f, 1, 1.5f, 2 }, c);
    }

    [Fact]
    public void Short_buffers_are_rejected_with_their_name()
    {
        var a = new float[6]; var b = new float[6]; var c = new float[3];
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, c, 2));
        Assert.Contains("C", e.Message);
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, new float[4], 2));
    }

    private static void Check(GemmKernel kernel, bool ta, bool tb, int m, int n, int k, float alpha, float beta, int pad, int seed)
    {
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var a = Support.Random((ta ? k : m) * lda, seed * 3 + 1);
        var b = Support.Random((tb ? n : k) * ldb, seed * 3 + 2);
        var c = Support.Random(m * ldc, seed * 3 + 3);
        if (beta == 0f) Array.Fill(c, float.NaN); // beta 0 must not read C
        var expected = Reference.Gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        var padding = (float[])c.Clone();
        Gemm.MultiplyParallel(kernel, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        // Float accumulation over k terms of O(1) products: error grows like √k·eps in practice; a wrong or missing term is O(1).
        double tolerance = 2e-6 * Math.Sqrt(k) * Math.Abs(alpha) + 1e-6;
        for (int i = 0; i < m; i++)
        {
            Support.Close(expected.AsSpan(i * ldc, n), c.AsSpan(i * ldc, n), tolerance, $"{kernel} ta={ta} tb={tb} {m}×{n}×{k} row {i}");
            for (int j = n; j < ldc; j++)
                Assert.True(padding[i * ldc + j].Equals(c[i * ldc + j]), $"padding of C row {i} was written");
        }
    }
}
