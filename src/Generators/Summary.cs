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
        // A branching network adds Keras's functional-model column, "Connected to", and an input row.
        var graph = !network.IsSequential;
        var rows = new List<string[]> { graph
            ? new[] { " Layer (type)", "Output Shape", "Param #", "MACs", "Connected to" }
            : new[] { " Layer (type)", "Output Shape", "Param #", "MACs" } };
        if (graph)
            rows.Add(new[] { " input (InputLayer)", network.InputShape.ToBatchString(), "0", "0", "" });
        foreach (var layer in network.Layers)
        {
            var row = new List<string>
            {
                $" {layer.Name} ({layer.Layer.KerasType})",
                layer.OutputShape.ToBatchString(),
                layer.ParameterCount.ToString(CultureInfo.InvariantCulture),
                layer.MultiplyAdds.ToString(CultureInfo.InvariantCulture),
            };
            if (graph)
            {
                var inputs = new List<string>();
                foreach (var j in layer.Inputs) inputs.Add((j < 0 ? "input" : network.Layers[j].Name) + "[0][0]");
                row.Add(string.Join(", ", inputs));
            }
            rows.Add(row.ToArray());
        }

        // Keras's widths (28, 26, 10), widened where an entry needs more, with at least two spaces between columns; then
        // the multiply-adds of one sample's forward pass, a column Keras does not have.
        var widths = graph ? new[] { 29, 26, 10, 14, 0 } : new[] { 29, 26, 10, 14 };
        foreach (var row in rows)
            for (var i = 0; i < widths.Length - 1; i++)
                if (row[i].Length + 2 > widths[i]) widths[i] = row[i].Length + 2;
        if (graph) widths[4] = 20;
        var lineLength = 0;
        foreach (var width in widths) lineLength += width;

        var lines = new List<string>
        {
            $"Model: \"{network.Type.Name}\"",
            new string('_', lineLength),
            Row(rows[0], widths),
            new string('=', lineLength),
        };
        for (var r = 1; r < rows.Count; r++) lines.Add(Row(rows[r], widths));
        lines.Add(new string('=', lineLength));
        lines.Add($"Total params: {network.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)}");
        lines.Add($"Trainable params: {network.TrainableParameterCount.ToString("N0", CultureInfo.InvariantCulture)}");
        lines.Add($"Non-trainable params: {(network.ParameterCount - network.TrainableParameterCount).ToString("N0", CultureInfo.InvariantCulture)}");
        lines.Add($"Multiply-adds a sample: {network.MultiplyAdds.ToString("N0", CultureInfo.InvariantCulture)}");
        lines.Add($"Activations a sample: {network.ActivationBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes");
        lines.Add(new string('_', lineLength));
        return lines;
    }

    private static string Row(string[] fields, int[] widths)
    {
        var text = "";
        for (var i = 0; i < fields.Length; i++) text += i == fields.Length - 1 ? fields[i] : fields[i].PadRight(widths[i]);
        return text.TrimEnd();
    }
}
