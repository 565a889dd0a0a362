using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Unroll;

/// <summary>
/// A SIMD register of floats as seen by the optimizers' update loops, so each update rule is written once as a generic
/// method and instantiated for 512-bit, 256-bit and single-float lanes (the scalar tail). Every operation is a plain
/// IEEE operation, exactly rounded, so an element gets the same result whichever width updates it.
/// </summary>
internal interface ILanes<TSelf> where TSelf : struct, ILanes<TSelf>
{
    static abstract int Count { get; }
    static abstract TSelf Load(ref float source, int index);
    static abstract void Store(TSelf value, ref float destination, int index);
    static abstract TSelf Create(float value);
    static abstract TSelf Sqrt(TSelf x);
    static abstract TSelf FusedMultiplyAdd(TSelf x, TSelf y, TSelf addend);
    static abstract TSelf Min(TSelf x, TSelf y);
    static abstract TSelf Max(TSelf x, TSelf y);
    static abstract TSelf operator +(TSelf left, TSelf right);
    static abstract TSelf operator -(TSelf left, TSelf right);
    static abstract TSelf operator *(TSelf left, TSelf right);
    static abstract TSelf operator /(TSelf left, TSelf right);
}

internal readonly struct Lanes512(Vector512<float> v) : ILanes<Lanes512>
{
    private readonly Vector512<float> _v = v;
    public static int Count => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Load(ref float source, int index) => new(Vector512.LoadUnsafe(ref source, (nuint)index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes512 value, ref float destination, int index) => value._v.StoreUnsafe(ref destination, (nuint)index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Create(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Sqrt(Lanes512 x) => new(Vector512.Sqrt(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 FusedMultiplyAdd(Lanes512 x, Lanes512 y, Lanes512 addend) => new(Vector512.FusedMultiplyAdd(x._v, y._v, addend._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Min(Lanes512 x, Lanes512 y) => new(Vector512.Min(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Max(Lanes512 x, Lanes512 y) => new(Vector512.Max(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator +(Lanes512 l, Lanes512 r) => new(l._v + r._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator -(Lanes512 l, Lanes512 r) => new(l._v - r._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator *(Lanes512 l, Lanes512 r) => new(l._v * r._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 operator /(Lanes512 l, Lanes512 r) => new(l._v / r._v);
}

internal readonly struct Lanes256(Vector256<float> v) : ILanes<Lanes256>
{
    private readonly Vector256<float> _v = v;
    public static int Count => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Load(ref float source, int index) => new(Vector256.LoadUnsafe(ref source, (nuint)index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes256 value, ref float destination, int index) => value._v.StoreUnsafe(ref destination, (nuint)index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Create(float value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Sqrt(Lanes256 x) => new(Vector256.Sqrt(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 FusedMultiplyAdd(Lanes256 x, Lanes256 y, Lanes256 addend) => new(Vector256.FusedMultiplyAdd(x._v, y._v, addend._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Min(Lanes256 x, Lanes256 y) => new(Vector256.Min(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Max(Lanes256 x, Lanes256 y) => new(Vector256.Max(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator +(Lanes256 l, Lanes256 r) => new(l._v + r._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator -(Lanes256 l, Lanes256 r) => new(l._v - r._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator *(Lanes256 l, Lanes256 r) => new(l._v * r._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 operator /(Lanes256 l, Lanes256 r) => new(l._v / r._v);
}

internal readonly struct Lanes1(float v) : ILanes<Lanes1>
{
    private readonly float _v = v;
    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 Load(ref float source, int index) => new(Unsafe.Add(ref source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes1 value, ref float destination, int index) => Unsafe.Add(ref destination, index) = value._v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 Create(float value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 Sqrt(Lanes1 x) => new(System.MathF.Sqrt(x._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 FusedMultiplyAdd(Lanes1 x, Lanes1 y, Lanes1 addend) => new(System.MathF.FusedMultiplyAdd(x._v, y._v, addend._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 Min(Lanes1 x, Lanes1 y) => new(System.MathF.Min(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 Max(Lanes1 x, Lanes1 y) => new(System.MathF.Max(x._v, y._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 operator +(Lanes1 l, Lanes1 r) => new(l._v + r._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 operator -(Lanes1 l, Lanes1 r) => new(l._v - r._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 operator *(Lanes1 l, Lanes1 r) => new(l._v * r._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 operator /(Lanes1 l, Lanes1 r) => new(l._v / r._v);
}
