using System.Collections.Generic;
using System.Globalization;
using Unroll.Generators.Model;

namespace Unroll.Generators;

/// <summary>
/// The summary table in Keras 2's <c>model.summary()</c> layout: 65 columns, fields at 29 and 55, thousands separators
/// in the totals. Departures, for a readable constant: columns widen to fit the longest entry instead of running into
/// each other, trailing spaces are trimmed and there are no blank lines between rows. Shapes are channels-first, as
/// everywhere in Unroll.
/// </summary>
internal static class Summary
{
    public static IReadOnlyList<string> Lines(CheckedNetwork network)
    {
        var rows = new List<string[]> { new[] { " Layer (type)", "Output Shape", "Param #" } };
        foreach (var layer in network.Layers)
        {
            rows.Add(new[]
            {
                $" {layer.Name} ({Naming.SummaryType(layer.Kind, layer.Activation)})",
                layer.OutputShape.ToBatchString(),
                layer.ParameterCount.ToString(CultureInfo.InvariantCulture),
            });
        }

        // Keras's widths (28, 26, 10), widened where an entry needs more, with at least two spaces between columns.
        var widths = new[] { 29, 26, 10 };
        foreach (var row in rows)
            for (var i = 0; i < 2; i++)
                if (row[i].Length + 2 > widths[i]) widths[i] = row[i].Length + 2;
        var lineLength = widths[0] + widths[1] + widths[2];

        var lines = new List<string>
        {
            $"Model: \"{network.Type.Name}\"",
            new string('_', lineLength),
            Row(rows[0], widths),
            new string('=', lineLength),
        };
        for (var r = 1; r < rows.Count; r++) lines.Add(Row(rows[r], widths));
        var total = network.ParameterCount.ToString("N0", CultureInfo.InvariantCulture);
        lines.Add(new string('=', lineLength));
        lines.Add($"Total params: {total}");
        lines.Add($"Trainable params: {total}");
        lines.Add("Non-trainable params: 0");
        lines.Add(new string('_', lineLength));
        return lines;
    }

    private static string Row(string[] fields, int[] widths) =>
        (fields[0].PadRight(widths[0]) + fields[1].PadRight(widths[1]) + fields[2]).TrimEnd();
}
