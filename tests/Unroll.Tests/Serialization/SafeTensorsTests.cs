using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using Unroll.Models;
using Xunit;

namespace Unroll.Tests.Serialization;

/// <summary>Two tensors, 24 and 12 bytes: small enough to write weights files by hand.</summary>
[Network(2)]
[Dense(3), Linear]
public partial class TinyNet;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("unroll-weights-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static float[] Values(Parameter p)
    {
        var values = new float[p.Length];
        p.CopyTo(values);
        return values;
    }

    [Fact]
    public void Round_trips_every_parameter()
    {
        var path = Path.Combine(_directory, "lenet.safetensors");
        var saved = new LeNet5(seed: 1);
        saved.SaveWeights(path);

        var loaded = new LeNet5(seed: 2);
        Assert.NotEqual(Values(saved.Parameters[0]), Values(loaded.Parameters[0]));
        loaded.LoadWeights(path);

        for (var i = 0; i < saved.Parameters.Count; i++)
            Assert.Equal(Values(saved.Parameters[i]), Values(loaded.Parameters[i]));
        Assert.Equal([path], Directory.GetFiles(_directory)); // no temporary file left
    }

    [Fact]
    public void Header_follows_the_format()
    {
        var path = Path.Combine(_directory, "mlp.safetensors");
        new FashionMlp().SaveWeights(path);
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);

        Assert.Equal(0, (8 + headerLength) % 8);
        Assert.Contains("\"dense_1.weight\":{\"dtype\":\"F32\",\"shape\":[256,784],\"data_offsets\":[0,802816]}", header);
        Assert.Equal(8 + headerLength + 4L * FashionMlp.ParameterCount, bytes.Length);
    }

    [Fact]
    public void A_network_of_another_shape_is_refused_and_left_unchanged()
    {
        var path = Path.Combine(_directory, "lenet.safetensors");
        new LeNet5().SaveWeights(path);
        var mlp = new FashionMlp(seed: 3);
        var before = Values(mlp.Parameters[0]);

        var e = Assert.Throws<InvalidDataException>(() => mlp.LoadWeights(path));

        Assert.Contains("holds tensor 'conv2d_1.weight', which FashionMlp does not have", e.Message);
        Assert.Equal(before, Values(mlp.Parameters[0]));
    }

    [Fact]
    public void Truncated_file_is_reported_as_corrupt()
    {
        var path = Path.Combine(_directory, "short.safetensors");
        new FashionMlp().SaveWeights(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^20]); // cuts into the last tensor only

        var e = Assert.Throws<InvalidDataException>(() => new FashionMlp().LoadWeights(path));
        Assert.Contains("is corrupt", e.Message);
        Assert.Contains("dense_3.bias", e.Message);
    }

    [Fact]
    public void NaN_weights_are_refused()
    {
        var path = Path.Combine(_directory, "nan.safetensors");
        var net = new FashionMlp();
        var bias = new float[10];
        bias[4] = float.NaN;
        net.GetParameter("dense_3.bias").CopyFrom(bias);
        net.SaveWeights(path);

        var e = Assert.Throws<InvalidDataException>(() => new FashionMlp().LoadWeights(path));
        Assert.Contains("tensor 'dense_3.bias' holds NaN at index 4", e.Message);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        var path = Path.Combine(_directory, "none.safetensors");
        var e = Assert.Throws<FileNotFoundException>(() => new FashionMlp().LoadWeights(path));
        Assert.Contains(path, e.Message);
    }

    // Hand-made files for TinyNet (dense_1.weight [3, 2]: 24 bytes, dense_1.bias [3]: 12 bytes): one JSON header and a
    // data section of the given length.
    private string WriteFile(string name, string header, int dataLength)
    {
        var path = Path.Combine(_directory, name);
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string Tensor(string name, string shape, long start, long end) =>
        $"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{shape}],\"data_offsets\":[{start},{end}]}}";

    private InvalidDataException Refused(string path)
    {
        var net = new TinyNet(seed: 5);
        var before = Values(net.Parameters[0]);
        var e = Assert.Throws<InvalidDataException>(() => net.LoadWeights(path));
        Assert.Contains($"Weights file '{path}' is corrupt", e.Message);
        Assert.Equal(before, Values(net.Parameters[0]));
        return e;
    }

    [Fact]
    public void A_hand_made_file_with_contiguous_tensors_loads()
    {
        // The reference layout, in either order in the header: the check below must not refuse good files.
        var path = WriteFile("good.safetensors", "{" + Tensor("dense_1.bias", "3", 24, 36) + "," + Tensor("dense_1.weight", "3,2", 0, 24) + "}", 36);
        new TinyNet().LoadWeights(path);
    }

    [Theory]
    // bias inside weight's bytes: the bias would load four of the weight's floats.
    [InlineData(0, 24, 12, 24, 24, "'dense_1.bias' (bytes 12..24) overlaps 'dense_1.weight' (bytes 0..24)")]
    [InlineData(0, 24, 20, 32, 32, "'dense_1.bias' (bytes 20..32) overlaps 'dense_1.weight' (bytes 0..24)")]
    // four bytes between the two tensors that belong to neither.
    [InlineData(0, 24, 28, 40, 40, "bytes 24..28 of its data section belong to no tensor")]
    // the first tensor does not start at byte 0.
    [InlineData(4, 28, 28, 40, 40, "bytes 0..4 of its data section belong to no tensor")]
    // bytes left over after the last tensor.
    [InlineData(0, 24, 24, 36, 40, "4 bytes of its 40-byte data section follow the last tensor 'dense_1.bias' (which ends at byte 36)")]
    public void Tensors_must_cover_the_data_section_exactly_once(long weightStart, long weightEnd, long biasStart, long biasEnd, int dataLength, string expected)
    {
        var header = "{" + Tensor("dense_1.weight", "3,2", weightStart, weightEnd) + "," + Tensor("dense_1.bias", "3", biasStart, biasEnd) + "}";
        var e = Refused(WriteFile("layout.safetensors", header, dataLength));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_tensor_named_twice_is_refused()
    {
        var header = "{" + Tensor("dense_1.weight", "3,2", 0, 24) + "," + Tensor("dense_1.bias", "3", 24, 36) + "," + Tensor("dense_1.weight", "3,2", 0, 24) + "}";
        var e = Refused(WriteFile("twice.safetensors", header, 36));
        Assert.Contains("its header names tensor 'dense_1.weight' twice", e.Message);
    }

    [Fact]
    public void Offsets_that_disagree_with_the_shape_are_refused()
    {
        var header = "{" + Tensor("dense_1.weight", "3,2", 0, 20) + "," + Tensor("dense_1.bias", "3", 20, 32) + "}";
        var e = Refused(WriteFile("size.safetensors", header, 32));
        Assert.Contains("tensor 'dense_1.weight' (F32, shape (3, 2)) needs 24 bytes but its data_offsets 0..20 span 20", e.Message);
    }

    [Fact]
    public void A_header_over_the_reference_limit_is_refused()
    {
        var path = Path.Combine(_directory, "huge-header.safetensors");
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 200_000_000);
        File.WriteAllBytes(path, bytes);
        var e = Refused(path);
        Assert.Contains("its header claims 200000000 bytes, more than the format's limit of 100000000", e.Message);
    }

    [Fact]
    public void Metadata_that_is_not_a_map_of_strings_is_refused()
    {
        var header = "{\"__metadata__\":{\"format\":7}," + Tensor("dense_1.weight", "3,2", 0, 24) + "," + Tensor("dense_1.bias", "3", 24, 36) + "}";
        var e = Refused(WriteFile("metadata.safetensors", header, 36));
        Assert.Contains("__metadata__", e.Message);
    }

    [Fact]
    public void Loading_a_directory_says_it_is_a_directory()
    {
        var path = Directory.CreateDirectory(Path.Combine(_directory, "weights.safetensors")).FullName;
        var e = Assert.Throws<FileNotFoundException>(() => new TinyNet().LoadWeights(path));
        Assert.Contains($"'{path}' is a directory", e.Message);
    }

    [Fact]
    public void Saving_into_a_missing_directory_names_the_target()
    {
        var path = Path.Combine(_directory, "no-such-dir", "w.safetensors");
        var e = Assert.Throws<DirectoryNotFoundException>(() => new TinyNet().SaveWeights(path));
        Assert.Contains($"'{path}'", e.Message);
        Assert.Contains($"'{Path.Combine(_directory, "no-such-dir")}' does not exist", e.Message);
    }

    [Fact]
    public void Saving_over_a_directory_names_the_target()
    {
        var path = Directory.CreateDirectory(Path.Combine(_directory, "w.safetensors")).FullName;
        var e = Assert.Throws<IOException>(() => new TinyNet().SaveWeights(path));
        Assert.Contains($"'{path}' is a directory", e.Message);
        Assert.Equal([path], Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void A_save_removes_what_an_interrupted_save_to_the_same_path_left_behind()
    {
        var path = Path.Combine(_directory, "w.safetensors");
        var leftover = Path.Combine(_directory, ".w.safetensors.0123456789abcdef0123456789abcdef.unroll-tmp");
        string[] others =
        [
            Path.Combine(_directory, ".other.safetensors.0123456789abcdef0123456789abcdef.unroll-tmp"), // another target's
            Path.Combine(_directory, ".w.safetensors.notes.unroll-tmp"), // not a name a save makes
            Path.Combine(_directory, ".w.safetensors.0123456789abcdef0123456789abcdef.tmp"),
            Path.Combine(_directory, "w.safetensors.bak"),
        ];
        File.WriteAllBytes(leftover, [1, 2, 3]);
        foreach (var other in others) File.WriteAllBytes(other, [4]);

        new TinyNet().SaveWeights(path);

        Assert.False(File.Exists(leftover));
        Assert.All(others, other => Assert.True(File.Exists(other), other));
        Assert.Equal(others.Length + 1, Directory.GetFiles(_directory).Length);
    }

    [Fact]
    public void A_save_leaves_a_temporary_file_that_is_still_open_alone()
    {
        // Another save to the same path, still writing, holds its temporary file open: it must not be pulled away.
        var path = Path.Combine(_directory, "w.safetensors");
        var inUse = Path.Combine(_directory, ".w.safetensors.0123456789abcdef0123456789abcdef.unroll-tmp");
        using (new FileStream(inUse, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            new TinyNet().SaveWeights(path);
        Assert.True(File.Exists(inUse));
    }
}
