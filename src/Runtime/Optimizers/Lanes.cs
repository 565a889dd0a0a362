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
    /// <summary>x limited to [low, high]; NaN stays NaN.</summary>
    static abstract TSelf Clamp(TSelf x, float low, float high);
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
    // The native min and max (one instruction; IEEE Min and Max cost eight) return their second operand when either is NaN.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes512 Clamp(Lanes512 x, float low, float high) => new(Vector512.MinNative(Vector512.Create(high), Vector512.MaxNative(Vector512.Create(low), x._v)));
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
    // The native min and max (one instruction; IEEE Min and Max cost eight) return their second operand when either is NaN.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes256 Clamp(Lanes256 x, float low, float high) => new(Vector256.MinNative(Vector256.Create(high), Vector256.MaxNative(Vector256.Create(low), x._v)));
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 Clamp(Lanes1 x, float low, float high) => new(System.Math.Clamp(x._v, low, high));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 operator +(Lanes1 l, Lanes1 r) => new(l._v + r._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 operator -(Lanes1 l, Lanes1 r) => new(l._v - r._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 operator *(Lanes1 l, Lanes1 r) => new(l._v * r._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes1 operator /(Lanes1 l, Lanes1 r) => new(l._v / r._v);
}
