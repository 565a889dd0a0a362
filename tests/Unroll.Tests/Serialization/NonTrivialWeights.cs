using System;
using System.Linq;

namespace Unroll;

/// <summary>
/// Gives every bias, BatchNorm scale and shift and running statistic random values; weights keep their random start.
/// A new network's zero biases and identity BatchNorm would let an export that drops a bias or misreads an epsilon pass
/// the parity check, and would let a peer skip work (a zero bias, an identity normalisation) that real weights need.
/// One file for the ONNX export tests and the benchmarks' ONNX Runtime contestant (linked into the benchmarks project).
/// </summary>
internal static class NonTrivialWeights
{
    public static void Apply(INetwork network, int seed)
    {
        var random = new Random(seed);
        float Uniform(float low, float high) => low + (high - low) * random.NextSingle();
        // A BatchNorm layer is one with a running variance; its weight is its scale.
        var normalizations = network.Statistics.Where(p => p.Name.EndsWith(".running_var", StringComparison.Ordinal))
            .Select(p => p.Name[..^".running_var".Length]).ToHashSet();
        foreach (var p in network.Parameters.Concat(network.Statistics))
        {
            var layer = p.Name[..p.Name.IndexOf('.')];
            Func<float>? draw = p.Name switch
            {
                _ when p.Name.EndsWith(".running_var", StringComparison.Ordinal) => () => Uniform(0.5f, 1.5f),
                _ when p.Name.EndsWith(".running_mean", StringComparison.Ordinal) => () => Uniform(-0.3f, 0.3f),
                _ when normalizations.Contains(layer) && p.Name.EndsWith(".weight", StringComparison.Ordinal) => () => Uniform(0.6f, 1.4f),
                _ when p.Name.Contains("bias", StringComparison.Ordinal) => () => Uniform(-0.3f, 0.3f),
                _ => null,
            };
            if (draw is null) continue;
            var values = new float[p.Length];
            for (var i = 0; i < values.Length; i++) values[i] = draw();
            p.CopyFrom(values);
        }
    }
}
