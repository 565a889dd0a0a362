using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Unroll;

/// <summary>
/// Saves and loads a network's parameters and running statistics in the safetensors format (Hugging Face's: an 8-byte little-endian header
/// length, a JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian data), which
/// PyTorch, TensorFlow and others read and write. Names and layouts are PyTorch's (<c>dense_1.weight</c> as [out, in]).
/// </summary>
public static class SafeTensors
{
    /// <summary>
    /// Writes every parameter to <paramref name="path"/>. The file is written beside the target first, as the hidden
    /// temporary file <c>.&lt;target name&gt;.&lt;32 hex digits&gt;.unroll-tmp</c> (for <c>lenet.safetensors</c>:
    /// <c>.lenet.safetensors.3f2a….unroll-tmp</c>), and then moved over it, so an interrupted save never leaves a
    /// half-written file in its place. A save killed before the move leaves its temporary file behind; the next save to
    /// the same path deletes such leftovers of that target (files named exactly so, and only those that no other save
    /// still holds open), never other files. Errors name the target: a missing directory or a target that is a directory
    /// is reported before anything is written, and a failed write says which temporary file it was writing only as detail.
    /// </summary>
    public static void SaveWeights(this INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var exclusive = network.UseGuard.Enter("SaveWeights"); // weights a training step is writing would be torn
        Save(path, "weights", network.GetType().Name, Targets(network), []);
    }

    /// <summary>How the names of a checkpoint's optimizer state begin (<c>optimizer.state0.dense_1.weight</c>).</summary>
    internal const string OptimizerStatePrefix = "optimizer.";

    /// <summary>
    /// A tensor a file holds: its name and shape, how to read its values for a save and how to write them after a load
    /// (parameters, and a checkpoint's optimizer state).
    /// </summary>
    internal sealed record TensorTarget(string Name, int[] Shape, Action<float[]> CopyTo, Action<float[]> CopyFrom)
    {
        public int Length => Shape.Aggregate(1, (a, b) => a * b);

        public static TensorTarget Of(Parameter p) => new(p.Name, p.Shape, values => p.CopyTo(values), values => p.CopyFrom(values));
    }

    /// <summary>Writes <paramref name="tensors"/> with <paramref name="metadata"/>, whole or not at all (see <see cref="SaveWeights"/>).</summary>
    internal static void Save(string path, string what, string networkName, IReadOnlyList<TensorTarget> tensors, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            json.WriteString("format", "pt");
            json.WriteString("network", networkName);
            foreach (var (key, value) in metadata) json.WriteString(key, value);
            json.WriteEndObject();
            long offset = 0;
            foreach (var t in tensors)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (var d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + 4L * t.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += 4L * t.Length;
            }
            json.WriteEndObject();
        }
        // The format pads the header with spaces so that the data starts 8-byte aligned.
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');

        AtomicFile.Write(path, what, file =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            file.Write(length);
            header.Position = 0;
            header.CopyTo(file);
            foreach (var t in tensors)
            {
                var values = new float[t.Length];
                t.CopyTo(values);
                if (!BitConverter.IsLittleEndian) ReverseEndianness(values);
                file.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            }
        });
    }

    /// <summary>
    /// Replaces every parameter with the tensor of the same name in a safetensors file. The whole file is checked first,
    /// as the reference implementation (huggingface/safetensors) checks it — a header of at most 100,000,000 bytes that is
    /// a JSON object, each name once, <c>__metadata__</c> mapping names to strings, each tensor's byte range matching its
    /// dtype and shape, and the ranges covering the data section exactly, from byte 0, without gaps, overlaps or bytes
    /// left over — and then against the network: every parameter present with its shape and F32 dtype, no unknown
    /// tensors (a trainer checkpoint's optimizer state, <c>optimizer.*</c>, is skipped), no NaN or infinity. So a bad file changes nothing, and the error names the file, the tensor and what is
    /// wrong. A path that is a directory or does not exist throws <see cref="FileNotFoundException"/> saying which.
    /// </summary>
    public static void LoadWeights(this INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        // A trainer's checkpoint is a weights file with the optimizer's state beside the weights: that part is skipped.
        var (values, _) = Read(path, network.GetType().Name, Targets(network), skip: name => name.StartsWith(OptimizerStatePrefix, StringComparison.Ordinal));
        // Everything checked: only now touch the network.
        using var exclusive = network.UseGuard.Enter("LoadWeights");
        Apply(Targets(network), values);
    }

    /// <summary>
    /// Reads and checks a whole file against <paramref name="tensors"/> (see <see cref="LoadWeights"/>), changing
    /// nothing: returns each tensor's values, in the order given, and the file's metadata.
    /// </summary>
    internal static (float[][] Values, IReadOnlyDictionary<string, string> Metadata) Read(string path, string networkName, IReadOnlyList<TensorTarget> tensors,
        Func<string, bool>? skip = null)
    {
        if (Directory.Exists(path)) throw new FileNotFoundException($"Weights file '{path}' is a directory, not a file.", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Weights file '{path}' does not exist.", path);
        var bytes = File.ReadAllBytes(path);
        var (dataStart, entries, metadata) = ReadLayout(path, bytes);

        var byName = new Dictionary<string, TensorTarget>();
        foreach (var t in tensors) byName[t.Name] = t;
        var found = new Dictionary<string, TensorEntry>();
        foreach (var entry in entries)
        {
            if (!byName.ContainsKey(entry.Name) && skip?.Invoke(entry.Name) == true) continue;
            var target = byName.GetValueOrDefault(entry.Name)
                ?? throw new InvalidDataException($"Weights file '{path}' holds tensor '{entry.Name}', which {networkName} does not have. Its tensors are: {string.Join(", ", tensors.Select(t => t.Name))}.");
            if (entry.Dtype != "F32")
                throw new InvalidDataException($"Weights file '{path}': tensor '{entry.Name}' is {entry.Dtype}; {networkName} needs F32.");
            if (!entry.Shape.AsSpan().SequenceEqual(Array.ConvertAll(target.Shape, d => (long)d)))
                throw new InvalidDataException($"Weights file '{path}': tensor '{entry.Name}' has shape ({string.Join(", ", entry.Shape)}) but {networkName} needs ({string.Join(", ", target.Shape)}).");
            found[entry.Name] = entry;
        }

        var missing = tensors.Where(t => !found.ContainsKey(t.Name)).Select(t => t.Name).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"Weights file '{path}' lacks {string.Join(", ", missing)} of {networkName}.");

        var values = new float[tensors.Count][];
        for (var i = 0; i < values.Length; i++)
        {
            var t = tensors[i];
            var entry = found[t.Name];
            values[i] = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(dataStart + (int)entry.Start, (int)(entry.End - entry.Start))).ToArray();
            if (!BitConverter.IsLittleEndian) ReverseEndianness(values[i]);
            var bad = Array.FindIndex(values[i], v => !float.IsFinite(v));
            if (bad >= 0)
                throw new InvalidDataException($"Weights file '{path}': tensor '{t.Name}' holds {values[i][bad]} at index {bad}; weights must be finite.");
        }
        return (values, metadata);
    }

    /// <summary>Writes what <see cref="Read"/> returned into the tensors, in the same order.</summary>
    internal static void Apply(IReadOnlyList<TensorTarget> tensors, float[][] values)
    {
        for (var i = 0; i < values.Length; i++) tensors[i].CopyFrom(values[i]);
    }

    /// <summary>The reference implementation's limit on the JSON header, against files that claim absurd sizes.</summary>
    private const ulong MaxHeaderLength = 100_000_000;

    /// <summary>One tensor as the header describes it; offsets are relative to the start of the data section.</summary>
    private sealed record TensorEntry(string Name, string Dtype, long[] Shape, long Start, long End);

    /// <summary>
    /// Reads the header and checks the file's structure, whatever network it is for: returns where the data section
    /// starts and the tensors in header order.
    /// </summary>
    private static (int DataStart, List<TensorEntry> Entries, Dictionary<string, string> Metadata) ReadLayout(string path, byte[] bytes)
    {
        if (bytes.Length < 8) throw Corrupt(path, $"it is {bytes.Length} bytes long, shorter than the 8-byte header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderLength)
            throw Corrupt(path, $"its header claims {headerLength} bytes, more than the format's limit of {MaxHeaderLength}");
        if (headerLength > (ulong)(bytes.Length - 8))
            throw Corrupt(path, $"its header claims {headerLength} bytes but only {bytes.Length - 8} follow");
        var dataStart = 8 + (int)headerLength;
        long dataLength = bytes.Length - dataStart;

        var entries = new List<TensorEntry>();
        var names = new HashSet<string>();
        var metadata = new Dictionary<string, string>();
        try
        {
            using var document = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Corrupt(path, "its header is not a JSON object");
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name)) throw Corrupt(path, $"its header names tensor '{property.Name}' twice");
                if (property.Name == "__metadata__")
                {
                    CheckMetadata(path, property.Value);
                    foreach (var item in property.Value.EnumerateObject()) metadata[item.Name] = item.Value.GetString()!;
                    continue;
                }
                var entry = ReadEntry(path, property.Name, property.Value);
                if (entry.End > dataLength)
                    throw Corrupt(path, $"tensor '{entry.Name}' claims bytes {entry.Start}..{entry.End} of a {dataLength}-byte data section (truncated file?)");
                entries.Add(entry);
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw Corrupt(path, $"its JSON header is malformed ({e.Message})");
        }

        // Each byte of the data section belongs to exactly one tensor: sorted by offset, each starts where the last ended.
        var byOffset = entries.OrderBy(e => e.Start).ThenBy(e => e.End).ToList();
        long position = 0;
        TensorEntry? previous = null;
        foreach (var entry in byOffset)
        {
            if (entry.Start < position)
                throw Corrupt(path, $"tensor '{entry.Name}' (bytes {entry.Start}..{entry.End}) overlaps '{previous!.Name}' (bytes {previous.Start}..{previous.End}); each byte belongs to one tensor");
            if (entry.Start > position)
                throw Corrupt(path, $"bytes {position}..{entry.Start} of its data section belong to no tensor ({(previous is null ? "before" : $"between '{previous.Name}' and")} '{entry.Name}')");
            position = entry.End;
            previous = entry;
        }
        if (position != dataLength)
            throw Corrupt(path, previous is null
                ? $"its header names no tensor but {dataLength} data bytes follow it"
                : $"{dataLength - position} bytes of its {dataLength}-byte data section follow the last tensor '{previous.Name}' (which ends at byte {position})");
        return (dataStart, entries, metadata);
    }

    private static TensorEntry ReadEntry(string path, string name, JsonElement tensor)
    {
        if (tensor.ValueKind != JsonValueKind.Object) throw Corrupt(path, $"tensor '{name}' is not a JSON object");
        var dtype = tensor.GetProperty("dtype").GetString()!;
        // A dtype this code does not know (a newer format's) cannot be loaded, but the error about it comes later and says so.
        var elementSize = ElementSize(dtype);
        var shape = new List<long>();
        foreach (var d in tensor.GetProperty("shape").EnumerateArray())
        {
            var size = d.GetInt64();
            if (size < 0) throw Corrupt(path, $"tensor '{name}' has a negative dimension ({size})");
            shape.Add(size);
        }
        var offsets = tensor.GetProperty("data_offsets");
        if (offsets.GetArrayLength() != 2) throw Corrupt(path, $"tensor '{name}' has {offsets.GetArrayLength()} data_offsets; it needs [start, end]");
        var (start, end) = (offsets[0].GetInt64(), offsets[1].GetInt64());
        if (start < 0 || end < start) throw Corrupt(path, $"tensor '{name}' has data_offsets {start}..{end}; they must satisfy 0 <= start <= end");
        if (elementSize is null) return new TensorEntry(name, dtype, shape.ToArray(), start, end);
        long needed = elementSize.Value;
        try
        {
            foreach (var d in shape) needed = checked(needed * d);
        }
        catch (OverflowException)
        {
            throw Corrupt(path, $"tensor '{name}' has shape ({string.Join(", ", shape)}), too large to address");
        }
        if (end - start != needed)
            throw Corrupt(path, $"tensor '{name}' ({dtype}, shape ({string.Join(", ", shape)})) needs {needed} bytes but its data_offsets {start}..{end} span {end - start}");
        return new TensorEntry(name, dtype, shape.ToArray(), start, end);
    }

    // __metadata__ is free-form text: a map from names to strings.
    private static void CheckMetadata(string path, JsonElement metadata)
    {
        if (metadata.ValueKind != JsonValueKind.Object)
            throw Corrupt(path, $"its __metadata__ is a JSON {metadata.ValueKind}; it must map names to strings");
        foreach (var entry in metadata.EnumerateObject())
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw Corrupt(path, $"its __metadata__ gives '{entry.Name}' a JSON {entry.Value.ValueKind}; it must map names to strings");
    }

    /// <summary>Bytes per element of the dtypes safetensors defines in whole bytes; null for any other name.</summary>
    private static int? ElementSize(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" or "F8_E8M0" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "I64" or "U64" or "F64" => 8,
        _ => null,
    };

    /// <summary>What a weights file holds: the trainable parameters, then the running statistics (PyTorch's state_dict).</summary>
    internal static List<TensorTarget> Targets(INetwork network)
        => network.Parameters.Concat(network.Statistics).Select(TensorTarget.Of).ToList();

    private static void ReverseEndianness(float[] values)
    {
        var ints = MemoryMarshal.Cast<float, int>(values.AsSpan());
        BinaryPrimitives.ReverseEndianness(ints, ints);
    }

    private static InvalidDataException Corrupt(string path, string reason) => new($"Weights file '{path}' is corrupt: {reason}.");
}
