using System.Text;
using Unroll.Generators.Model;

namespace Unroll.Generators;

/// <summary>Layer names (Keras's defaults) and the C# member names derived from them.</summary>
internal static class Naming
{
    /// <summary>The prefix of a kind's default names: <c>dense</c> for dense_1, dense_2, ….</summary>
    public static string DefaultPrefix(LayerKind kind, Activation activation) => kind switch
    {
        LayerKind.Dense => "dense",
        LayerKind.Conv2D => "conv2d",
        LayerKind.MaxPool2D => "max_pooling2d",
        LayerKind.AvgPool2D => "average_pooling2d",
        LayerKind.Flatten => "flatten",
        LayerKind.Dropout => "dropout",
        LayerKind.BatchNorm => "batch_normalization",
        LayerKind.GlobalAvgPool2D => "global_average_pooling2d",
        LayerKind.ZeroPadding2D => "zero_padding2d",
        LayerKind.DepthwiseConv2D => "depthwise_conv2d",
        LayerKind.SeparableConv2D => "separable_conv2d",
        LayerKind.Add => "add",
        LayerKind.Concat => "concatenate",
        LayerKind.Scale => "scale",
        _ => activation switch
        {
            Activation.Relu => "relu",
            Activation.LeakyRelu => "leaky_relu",
            Activation.Elu => "elu",
            Activation.Sigmoid => "sigmoid",
            Activation.Tanh => "tanh",
            Activation.Softmax => "softmax",
            _ => "linear",
        },
    };

    /// <summary>The attribute as users write it: Dense, Conv2D, MaxPool2D, Relu, ….</summary>
    public static string AttributeName(LayerKind kind, Activation activation)
        => kind == LayerKind.Activation ? activation.ToString() : kind.ToString();

    /// <summary>The type column of the summary, as Keras names its layer classes where one exists.</summary>
    public static string SummaryType(LayerKind kind, Activation activation) => kind switch
    {
        LayerKind.MaxPool2D => "MaxPooling2D",
        LayerKind.AvgPool2D => "AveragePooling2D",
        LayerKind.BatchNorm => "BatchNormalization",
        LayerKind.GlobalAvgPool2D => "GlobalAveragePooling2D",
        LayerKind.Concat => "Concatenate",
        LayerKind.Activation => activation switch
        {
            Activation.Relu => "ReLU",
            Activation.LeakyRelu => "LeakyReLU",
            Activation.Elu => "ELU",
            _ => activation.ToString(),
        },
        _ => kind.ToString(),
    };

    /// <summary>Whether a user-given name is usable: letters, digits, '_' and '-' only (it becomes part of C# names and parameter names).</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length == 0) return false;
        foreach (var c in name)
            if (!(char.IsLetterOrDigit(c) || c == '_' || c == '-')) return false;
        return true;
    }

    /// <summary>PascalCase member name: dense_1 → Dense1, max_pooling2d_1 → MaxPooling2d1.</summary>
    public static string PascalCase(string name)
    {
        var builder = new StringBuilder(name.Length);
        var upper = true;
        foreach (var c in name)
        {
            if (!char.IsLetterOrDigit(c)) { upper = true; continue; }
            builder.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (builder.Length == 0 || char.IsDigit(builder[0])) builder.Insert(0, "Layer");
        return builder.ToString();
    }

    /// <summary>camelCase for private fields: Dense1 → dense1.</summary>
    public static string CamelCase(string pascal) => char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
}
