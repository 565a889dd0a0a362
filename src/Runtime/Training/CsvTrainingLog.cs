using System;
using System.Globalization;
using System.IO;

namespace Unroll;

/// <summary>
/// <see cref="FitOptions.CsvLog"/>: a header, then one line per epoch, each written whole and flushed as the epoch ends,
/// so an interrupted run leaves every finished epoch in the file. Numbers in the invariant culture, round-trip precision;
/// validation columns empty without a validation set.
/// </summary>
internal sealed class CsvTrainingLog : IDisposable
{
    public const string Header = "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds";

    private readonly StreamWriter _writer;

    public CsvTrainingLog(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            _writer = new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read)) { NewLine = "\n" };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write the training log '{path}': {e.Message}", e);
        }
        _writer.WriteLine(Header);
        _writer.Flush();
    }

    public void Append(in EpochResult result)
    {
        var c = CultureInfo.InvariantCulture;
        string validation = result.Validation is { } v ? $"{v.Loss.ToString("R", c)},{Number(v.Accuracy)}" : ",";
        _writer.WriteLine($"{result.Epoch.ToString(c)},{result.Loss.ToString("R", c)},{Number(result.Accuracy)},{validation}," +
                          $"{result.LearningRate.ToString("R", c)},{result.Elapsed.TotalSeconds.ToString("F3", c)}");
        _writer.Flush();
    }

    /// <summary>An accuracy, empty when the data had no labels (NaN).</summary>
    private static string Number(float value) => float.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => _writer.Dispose();
}
