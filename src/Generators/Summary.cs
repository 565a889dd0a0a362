using System.Collections.Generic;
using System.Globalization;
using Unroll.Generators.Model;

namespace Unroll.Generators;

/// <summary>
/// The summary table in Keras 2's <c>model.summary()</c> layout: 65 columns, fields at 29 and 55, thousands separators
/// in the totals. Two departures, for a readable constant: trailing spaces are trimmed and there are no blank lines
/// between rows. Shapes are channels-first, as everywhere in Unroll.
/// </summary>
internal static class Summary
{
    private const int LineLength = 65;
    private static readonly int[] Positions = { 29, 55, 65 };

    public static IReadOnlyList<string> Lines(CheckedNetwork network)
    {
        var lines = new List<string>
        {
            $"Model: \"{network.Type.Name}\"",
            new string('_', LineLength),
            Row(" Layer (type)", "Output Shape", "Param #"),
            new string('=', LineLength),
        };
        foreach (var layer in network.Layers)
        {
            lines.Add(Row($" {layer.Name} ({Naming.SummaryType(layer.Kind, layer.Activation)})", layer.OutputShape.ToBatchString(),
                layer.ParameterCount.ToString(CultureInfo.InvariantCulture)));
        }
        var total = network.ParameterCount.ToString("N0", CultureInfo.InvariantCulture);
        lines.Add(new string('=', LineLength));
        lines.Add($"Total params: {total}");
        lines.Add($"Trainable params: {total}");
        lines.Add("Non-trainable params: 0");
        lines.Add(new string('_', LineLength));
        return lines;
    }

    private static string Row(params string[] fields)
    {
        var line = "";
        for (var i = 0; i < fields.Length; i++)
        {
            line += fields[i];
            // A field too long for its column pushes the next one right, keeping at least one space between them.
            var pad = Positions[i] - line.Length;
            line += new string(' ', i < fields.Length - 1 ? (pad > 0 ? pad : 1) : 0);
        }
        return line.TrimEnd();
    }
}
