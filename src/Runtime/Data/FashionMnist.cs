using System;
using System.IO;

namespace Unroll;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 70,000 grey 28×28 images of clothing in 10 classes,
/// 60,000 for training and 10,000 for testing, read from Debian's <c>dataset-fashion-mnist</c> package.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's package installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The command that installs the data.</summary>
    public const string InstallCommand = "apt-get install -y dataset-fashion-mnist";

    /// <summary>Pixels per image.</summary>
    public const int ImageSize = 28 * 28;

    /// <summary>Number of classes.</summary>
    public const int ClassCount = 10;

    /// <summary>The class names, by label.</summary>
    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Loads the training and test sets with pixels scaled to [0, 1] and class-index targets (or one-hot rows).
    /// A missing or corrupt file throws an exception that names the file and how to install the data.
    /// </summary>
    public static (Dataset Train, Dataset Test) Load(string directory = DefaultDirectory, bool oneHot = false) =>
        (LoadSet(directory, "train", 60_000, oneHot), LoadSet(directory, "t10k", 10_000, oneHot));

    /// <summary>Loads one split (<c>train</c> or <c>t10k</c>) from its two gzipped IDX files.</summary>
    public static Dataset LoadSet(string directory, string split, int expectedCount, bool oneHot = false)
    {
        var images = ReadFile(directory, $"{split}-images-idx3-ubyte.gz");
        var labels = ReadFile(directory, $"{split}-labels-idx1-ubyte.gz");
        if (images.Shape is not [var count, 28, 28])
            throw new InvalidDataException($"IDX file '{images.Path}' holds an array of shape ({string.Join(", ", images.Shape)}); Fashion-MNIST images are (count, 28, 28).");
        if (labels.Shape is not [var labelCount] || labelCount != count)
            throw new InvalidDataException($"IDX file '{labels.Path}' holds labels of shape ({string.Join(", ", labels.Shape)}) for {count} images in '{images.Path}'.");
        if (count != expectedCount)
            throw new InvalidDataException($"IDX file '{images.Path}' holds {count} images; Fashion-MNIST's {split} split has {expectedCount}. Reinstall with: {InstallCommand}");

        var pixels = new float[images.Data.Length];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = images.Data[i] * (1f / 255f);
        var classes = new int[count];
        for (var i = 0; i < count; i++)
        {
            classes[i] = labels.Data[i];
            if (classes[i] >= ClassCount)
                throw new InvalidDataException($"IDX file '{labels.Path}' gives sample {i} the label {classes[i]}; Fashion-MNIST labels are 0 to 9.");
        }
        return Dataset.ForClassification(pixels, ImageSize, classes, ClassCount, oneHot);
    }

    private static IdxFile ReadFile(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        try
        {
            return IdxFile.Read(path);
        }
        catch (FileNotFoundException e) when (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"Fashion-MNIST file '{path}' is missing. Install the data with: {InstallCommand}", path, e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{e.Message} Reinstall the data with: apt-get install --reinstall -y dataset-fashion-mnist", e);
        }
    }
}
