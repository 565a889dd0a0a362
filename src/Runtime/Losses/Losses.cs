using System;
using System.Collections.Generic;

namespace Unroll;

/// <summary>
/// The catalogue of losses: one shared instance of each (losses are stateless, so sharing is safe), the list of all,
/// and lookup by Keras name. <c>new MeanSquaredError()</c> works as well. The cross-entropies here take probabilities
/// (the network ends in Softmax or Sigmoid); for a network that ends in raw scores, create one with <c>fromLogits: true</c>.
/// <example><code>
/// Loss loss = Losses.SparseCategoricalCrossEntropy;
/// Loss same = Losses.FromName("sparse_categorical_crossentropy");
/// </code></example>
/// </summary>
public static class Losses
{
    /// <summary><c>mean_squared_error</c> (alias <c>mse</c>).</summary>
    public static MeanSquaredError MeanSquaredError { get; } = new();

    /// <summary><c>mean_squared_logarithmic_error</c> (alias <c>msle</c>).</summary>
    public static MeanSquaredLogarithmicError MeanSquaredLogarithmicError { get; } = new();

    /// <summary><c>mean_absolute_error</c> (alias <c>mae</c>).</summary>
    public static MeanAbsoluteError MeanAbsoluteError { get; } = new();

    /// <summary><c>binary_crossentropy</c>; fuses with sigmoid.</summary>
    public static BinaryCrossEntropy BinaryCrossEntropy { get; } = new();

    /// <summary><c>hinge</c>.</summary>
    public static Hinge Hinge { get; } = new();

    /// <summary><c>squared_hinge</c>.</summary>
    public static SquaredHinge SquaredHinge { get; } = new();

    /// <summary><c>categorical_crossentropy</c>; fuses with softmax.</summary>
    public static CategoricalCrossEntropy CategoricalCrossEntropy { get; } = new();

    /// <summary><c>sparse_categorical_crossentropy</c>; class-index targets; fuses with softmax.</summary>
    public static SparseCategoricalCrossEntropy SparseCategoricalCrossEntropy { get; } = new();

    /// <summary><c>kl_divergence</c> (aliases <c>kullback_leibler_divergence</c>, <c>kld</c>).</summary>
    public static KullbackLeiblerDivergence KullbackLeiblerDivergence { get; } = new();

    /// <summary>Every loss, in the order above.</summary>
    public static IReadOnlyList<Loss> All { get; } =
    [
        MeanSquaredError, MeanSquaredLogarithmicError, MeanAbsoluteError, BinaryCrossEntropy, Hinge, SquaredHinge,
        CategoricalCrossEntropy, SparseCategoricalCrossEntropy, KullbackLeiblerDivergence,
    ];

    /// <summary>The loss with this Keras name or alias (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No loss has that name; the message lists the names.</exception>
    public static Loss FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var loss in All)
            if (string.Equals(loss.Name, name, StringComparison.OrdinalIgnoreCase)) return loss;
        switch (name.ToLowerInvariant())
        {
            case "mse": return MeanSquaredError;
            case "msle": return MeanSquaredLogarithmicError;
            case "mae": return MeanAbsoluteError;
            case "kld":
            case "kullback_leibler_divergence": return KullbackLeiblerDivergence;
        }
        var names = new List<string>();
        foreach (var loss in All) names.Add(loss.Name);
        throw new ArgumentException($"No loss is named '{name}'. Known: {string.Join(", ", names)} (aliases mse, msle, mae, kld).", nameof(name));
    }
}
