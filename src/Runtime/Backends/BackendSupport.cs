using System;
using System.Collections.Generic;

namespace Unroll;

/// <summary>The check a generated network makes at construction: its backend must support every operation it will call.</summary>
public static class BackendSupport
{
    /// <summary>
    /// Throws <see cref="NotSupportedException"/> naming each of <paramref name="operations"/> that <paramref name="backend"/>
    /// does not support. <paramref name="training"/> says whether the network trains (so needs its backward operations) or only infers.
    /// </summary>
    public static void Require(IBackend backend, string network, IReadOnlyList<string> operations, bool training)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(operations);
        List<string>? missing = null;
        foreach (var operation in operations)
            if (!backend.Supports(operation)) (missing ??= new()).Add(operation);
        if (missing is null) return;
        var purpose = training ? $"train {network}" : $"run {network} for inference";
        throw new NotSupportedException(
            $"The backend '{backend.Name}' cannot {purpose}: it does not support {string.Join(", ", missing)}. Use a backend that supports every operation the network calls.");
    }
}
