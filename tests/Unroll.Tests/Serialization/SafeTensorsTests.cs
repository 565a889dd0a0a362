using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using Unroll.Models;
using Xunit;

namespace Unroll.Tests.Serialization;

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
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
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
}
