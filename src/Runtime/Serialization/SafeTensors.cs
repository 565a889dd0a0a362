using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
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
    /// Writes every parameter to <paramref name="path"/>. The file is written beside the destination first and then moved
    /// over it, so an interrupted save never leaves a half-written file in its place.
    /// </summary>
    public static void SaveWeights(this INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var parameters = Tensors(network);

        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            json.WriteString("format", "pt");
            json.WriteString("network", network.GetType().Name);
            json.WriteEndObject();
            long offset = 0;
            foreach (var p in parameters)
            {
                json.WriteStartObject(p.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (var d in p.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + 4L * p.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += 4L * p.Length;
            }
            json.WriteEndObject();
        }
        // The format pads the header with spaces so that the data starts 8-byte aligned.
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                file.Write(length);
                header.Position = 0;
                header.CopyTo(file);
                foreach (var p in parameters)
                {
                    var values = new float[p.Length];
                    p.CopyTo(values);
                    if (!BitConverter.IsLittleEndian) ReverseEndianness(values);
                    file.Write(MemoryMarshal.AsBytes(values.AsSpan()));
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>
    /// Replaces every parameter with the tensor of the same name in a safetensors file. The whole file is checked first —
    /// every parameter present with its shape and F32 dtype, no unknown tensors, byte ranges inside the file, no NaN or
    /// infinity — so a bad file changes nothing and the error names the file, the tensor and what is wrong.
    /// </summary>
    public static void LoadWeights(this INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!File.Exists(path)) throw new FileNotFoundException($"Weights file '{path}' does not exist.", path);
        var bytes = File.ReadAllBytes(path);
        var networkName = network.GetType().Name;

        if (bytes.Length < 8) throw Corrupt(path, $"it is {bytes.Length} bytes long, shorter than the 8-byte header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8))
            throw Corrupt(path, $"its header claims {headerLength} bytes but only {bytes.Length - 8} follow");
        var dataStart = 8 + (int)headerLength;
        var dataLength = bytes.Length - dataStart;

        var tensors = Tensors(network);
        var found = new Dictionary<string, (int Start, int End)>();
        try
        {
            using var document = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Corrupt(path, "its header is not a JSON object");
            foreach (var tensor in document.RootElement.EnumerateObject())
            {
                if (tensor.Name == "__metadata__") continue;
                var parameter = tensors.Find(p => p.Name == tensor.Name)
                    ?? throw new InvalidDataException($"Weights file '{path}' holds tensor '{tensor.Name}', which {networkName} does not have. Its tensors are: {string.Join(", ", tensors.ConvertAll(p => p.Name))}.");
                var dtype = tensor.Value.GetProperty("dtype").GetString();
                if (dtype != "F32")
                    throw new InvalidDataException($"Weights file '{path}': tensor '{tensor.Name}' is {dtype}; {networkName} needs F32.");
                var shape = new List<int>();
                foreach (var d in tensor.Value.GetProperty("shape").EnumerateArray()) shape.Add(d.GetInt32());
                if (!CollectionsMarshal.AsSpan(shape).SequenceEqual(parameter.Shape))
                    throw new InvalidDataException($"Weights file '{path}': tensor '{tensor.Name}' has shape ({string.Join(", ", shape)}) but {networkName} needs {parameter.ShapeText}.");
                var offsets = tensor.Value.GetProperty("data_offsets");
                var start = offsets[0].GetInt64();
                var end = offsets[1].GetInt64();
                if (start < 0 || end > dataLength || end - start != 4L * parameter.Length)
                    throw Corrupt(path, $"tensor '{tensor.Name}' claims bytes {start}..{end} of a {dataLength}-byte data section; it needs {4L * parameter.Length} bytes inside it");
                found[tensor.Name] = (dataStart + (int)start, dataStart + (int)end);
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            throw Corrupt(path, $"its JSON header is malformed ({e.Message})");
        }

        var missing = new List<string>();
        foreach (var p in tensors) if (!found.ContainsKey(p.Name)) missing.Add(p.Name);
        if (missing.Count > 0)
            throw new InvalidDataException($"Weights file '{path}' lacks {string.Join(", ", missing)} of {networkName}.");

        var values = new float[tensors.Count][];
        for (var i = 0; i < values.Length; i++)
        {
            var p = tensors[i];
            var (start, end) = found[p.Name];
            values[i] = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(start, end - start)).ToArray();
            if (!BitConverter.IsLittleEndian) ReverseEndianness(values[i]);
            var bad = Array.FindIndex(values[i], v => !float.IsFinite(v));
            if (bad >= 0)
                throw new InvalidDataException($"Weights file '{path}': tensor '{p.Name}' holds {values[i][bad]} at index {bad}; weights must be finite.");
        }
        // Everything checked: only now touch the network.
        for (var i = 0; i < values.Length; i++) tensors[i].CopyFrom(values[i]);
    }

    /// <summary>What a weights file holds: the trainable parameters, then the running statistics (PyTorch's state_dict).</summary>
    private static List<Parameter> Tensors(INetwork network)
    {
        var tensors = new List<Parameter>(network.Parameters);
        tensors.AddRange(network.Statistics);
        return tensors;
    }

    private static void ReverseEndianness(float[] values)
    {
        var ints = MemoryMarshal.Cast<float, int>(values.AsSpan());
        BinaryPrimitives.ReverseEndianness(ints, ints);
    }

    private static InvalidDataException Corrupt(string path, string reason) => new($"Weights file '{path}' is corrupt: {reason}.");
}
