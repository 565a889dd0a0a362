using System;
using System.Collections.Generic;

namespace Unroll;

/// <summary>
/// Draws a network's initial parameter values from one seed, on the host, with a generator defined here
/// (SplitMix64 seeding xoshiro256**), so the values depend only on the seed, the parameter's position in the list and
/// its shape: never on the backend or on the .NET version's <see cref="Random"/>.
/// </summary>
/// <remarks>
/// Parameter <c>i</c> gets its own stream, seeded from (seed, i), so changing one parameter's shape leaves the others'
/// values unchanged. Normal values come from the Box–Muller transform in double precision. The transcendental functions
/// come from the platform's math library, which may differ in the last bit across operating systems; within one platform
/// the values are bit-for-bit reproducible.
/// <example><code>ParameterInitializer.Initialize(network.Parameters, seed: 42);</code></example>
/// </remarks>
public static class ParameterInitializer
{
    /// <summary>Draws every parameter's values according to its <see cref="Parameter.Init"/>, from one seed.</summary>
    /// <exception cref="ArgumentException">A parameter is null or its fan-in/fan-out is not positive.</exception>
    public static void Initialize(IReadOnlyList<Parameter> parameters, int seed)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int longest = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i] ?? throw new ArgumentException($"Parameter {i} is null.", nameof(parameters));
            longest = Math.Max(longest, p.Length);
        }
        var values = new float[longest];
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var span = values.AsSpan(0, p.Length);
            Fill(p, span, seed, i);
            p.CopyFrom(span);
        }
    }

    /// <summary>Draws parameter <paramref name="index"/>'s values into <paramref name="values"/>.</summary>
    internal static void Fill(Parameter p, Span<float> values, int seed, int index)
    {
        switch (p.Init)
        {
            case ParameterInit.Zeros:
                values.Clear();
                break;
            case ParameterInit.Ones:
                values.Fill(1f);
                break;
            case ParameterInit.GlorotUniform:
            {
                RequireFans(p, p.FanIn + p.FanOut);
                double limit = Math.Sqrt(6.0 / (p.FanIn + p.FanOut));
                var rng = new Xoshiro256(seed, index);
                for (int j = 0; j < values.Length; j++) values[j] = (float)(limit * (2 * rng.NextDouble() - 1));
                break;
            }
            case ParameterInit.HeNormal:
            {
                RequireFans(p, p.FanIn);
                double std = Math.Sqrt(2.0 / p.FanIn);
                var rng = new Xoshiro256(seed, index);
                for (int j = 0; j < values.Length; j += 2)
                {
                    // Box–Muller: two independent standard normals from two uniforms; 1 − u avoids log(0).
                    double radius = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble()));
                    double angle = 2 * Math.PI * rng.NextDouble();
                    values[j] = (float)(std * radius * Math.Cos(angle));
                    if (j + 1 < values.Length) values[j + 1] = (float)(std * radius * Math.Sin(angle));
                }
                break;
            }
            default:
                throw new ArgumentException($"Parameter '{p.Name}' has an unknown initialiser {(int)p.Init}.", nameof(p));
        }
    }

    private static void RequireFans(Parameter p, int fan)
    {
        if (fan <= 0)
            throw new ArgumentException($"Parameter '{p.Name}' {p.ShapeText} has fan-in {p.FanIn} and fan-out {p.FanOut}; {p.Init} needs them positive.");
    }

    /// <summary>xoshiro256** (Blackman and Vigna), seeded through SplitMix64 as its authors recommend.</summary>
    internal struct Xoshiro256
    {
        private ulong _s0, _s1, _s2, _s3;

        /// <summary>A stream for parameter <paramref name="index"/> of a network seeded with <paramref name="seed"/>.</summary>
        public Xoshiro256(int seed, int index)
        {
            // Distinct (seed, index) pairs give distinct SplitMix64 starting points; SplitMix64 then spreads them.
            ulong x = ((ulong)(uint)seed << 32) | (uint)index;
            _s0 = SplitMix64(ref x);
            _s1 = SplitMix64(ref x);
            _s2 = SplitMix64(ref x);
            _s3 = SplitMix64(ref x);
        }

        private static ulong SplitMix64(ref ulong x)
        {
            ulong z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public ulong Next()
        {
            ulong result = RotateLeft(_s1 * 5, 7) * 9;
            ulong t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = RotateLeft(_s3, 45);
            return result;
        }

        /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
    }
}
