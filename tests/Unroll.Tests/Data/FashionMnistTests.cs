using System;
using System.IO;
using Xunit;

namespace Unroll.Tests.Data;

public sealed class FashionMnistTests
{
    // .ci/run installs Debian's dataset-fashion-mnist before the tests, so the real files are there.
    [Fact]
    public void Loads_the_real_test_split()
    {
        var test = FashionMnist.LoadSet(FashionMnist.DefaultDirectory, "t10k", 10_000);

        Assert.Equal(10_000, test.Count);
        Assert.Equal(784, test.SampleSize);
        Assert.Equal(10, test.ClassCount);
        Assert.All(test.Features, p => Assert.InRange(p, 0f, 1f));
        // The test split is balanced: 1,000 images per class.
        var perClass = new int[10];
        foreach (var label in test.Labels!) perClass[label]++;
        Assert.All(perClass, n => Assert.Equal(1000, n));
        // The first test image is an ankle boot (label 9), as in every copy of the data set.
        Assert.Equal(9, test.Labels[0]);
    }

    [Fact]
    public void Missing_directory_names_the_file_and_the_install_command()
    {
        var directory = Path.Combine(Path.GetTempPath(), "unroll-no-such-dir");
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(directory));
        Assert.Contains(Path.Combine(directory, "train-images-idx3-ubyte.gz"), e.Message);
        Assert.Contains("apt-get install -y dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void Corrupt_file_names_the_file_and_how_to_reinstall()
    {
        var directory = Directory.CreateTempSubdirectory("unroll-fmnist-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(directory, "t10k-images-idx3-ubyte.gz"), [0x1f, 0x8b, 8, 0, 1, 2, 3]);
            File.Copy(Path.Combine(FashionMnist.DefaultDirectory, "t10k-labels-idx1-ubyte.gz"), Path.Combine(directory, "t10k-labels-idx1-ubyte.gz"));
            var e = Assert.Throws<InvalidDataException>(() => FashionMnist.LoadSet(directory, "t10k", 10_000));
            Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message);
            Assert.Contains("apt-get install --reinstall -y dataset-fashion-mnist", e.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
