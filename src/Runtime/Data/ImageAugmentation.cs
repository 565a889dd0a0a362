using System;
using System.Globalization;

namespace Unroll;

/// <summary>
/// Random shifts and horizontal flips of image samples (channels, height, width), drawn anew for every training sample in
/// every epoch: Keras's <c>RandomTranslation</c> and <c>RandomFlip("horizontal")</c>, torchvision's
/// <c>RandomCrop(size, padding)</c> and <c>RandomHorizontalFlip(p)</c>. Give it to <see cref="FitOptions.Augmentation"/>:
/// <see cref="Trainer{TNetwork}.Fit"/> applies it as it copies each training batch into the network's input, and never to
/// <see cref="FitOptions.Validation"/> or <see cref="Trainer{TNetwork}.Evaluate"/>. The data set is left as it is.
/// </summary>
/// <remarks>
/// <para>
/// A shift moves the image by whole pixels, up to <see cref="MaxShift"/> in each direction, and fills the pixels it
/// uncovers with zeros (torchvision's zero padding, Keras's <c>fill_mode="constant"</c>): zero is the background of
/// Fashion-MNIST and MNIST, where reflecting would copy strokes into the border. A flip then mirrors the shifted image
/// left to right with probability <see cref="HorizontalFlip"/>.
/// </para>
/// <para>
/// Each sample's shift and flip depend only on the seed (<see cref="Seed"/>, else <see cref="FitOptions.Seed"/>), the epoch
/// and the sample's index in the data set, so the same seed gives a bit-identical run whatever the batch size, the
/// network's capacity or the number of threads, and a training step allocates nothing for it. For an autoencoder set
/// (<see cref="Dataset.AsAutoencoder"/>) the target is the augmented sample, so the network learns to reconstruct what it sees.
/// </para>
/// </remarks>
/// <example><code>
/// var augmentation = new ImageAugmentation(channels: 1, height: 28, width: 28) { MaxShift = 2, HorizontalFlip = 0.5 };
/// trainer.Fit(train, new FitOptions { Epochs = 10, Seed = 1, Augmentation = augmentation });
/// </code></example>
public sealed record ImageAugmentation
{
    private readonly int _maxShift;
    private readonly double _horizontalFlip;

    /// <summary>An augmentation for samples of (<paramref name="channels"/>, <paramref name="height"/>, <paramref name="width"/>) that changes nothing until <see cref="MaxShift"/> or <see cref="HorizontalFlip"/> is set.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1, or the image has more values than an array can hold.</exception>
    public ImageAugmentation(int channels, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if ((long)channels * height * width > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(channels), $"An image of ({channels}, {height}, {width}) has more values than an array can hold.");
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Channels of one sample.</summary>
    public int Channels { get; }

    /// <summary>Rows of one sample.</summary>
    public int Height { get; }

    /// <summary>Columns of one sample.</summary>
    public int Width { get; }

    /// <summary>Values in one sample: <see cref="Channels"/> × <see cref="Height"/> × <see cref="Width"/>.</summary>
    public int SampleSize => Channels * Height * Width;

    /// <summary>
    /// The largest shift, in pixels (default 0: no shift). Each sample moves by a whole number of rows and, independently,
    /// of columns, each uniform in [−MaxShift, MaxShift]; the pixels uncovered are 0. At most one less than both the
    /// height and the width, so that something of the image always stays in view.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or as large as the image's height or width.</exception>
    public int MaxShift
    {
        get => _maxShift;
        init
        {
            if (value < 0)
                throw new ArgumentOutOfRangeException(nameof(MaxShift), value, $"MaxShift is a number of pixels and cannot be negative (got {value}); 0 shifts nothing.");
            if (value >= Height || value >= Width)
                throw new ArgumentOutOfRangeException(nameof(MaxShift), value,
                    $"MaxShift {value} can move a {Height}×{Width} image entirely out of view: it must be less than both its height and its width (at most {Math.Min(Height, Width) - 1}).");
            _maxShift = value;
        }
    }

    /// <summary>
    /// The probability of mirroring a sample left to right, in [0, 1] (default 0: never; 0.5 is the usual choice, as
    /// torchvision's <c>RandomHorizontalFlip()</c>). Leave it at 0 for images whose meaning changes when mirrored (digits, text).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, 1], or NaN.</exception>
    public double HorizontalFlip
    {
        get => _horizontalFlip;
        init
        {
            if (value is not (>= 0 and <= 1)) // also refuses NaN, which no comparison accepts
                throw new ArgumentOutOfRangeException(nameof(HorizontalFlip), value,
                    $"HorizontalFlip is the probability of mirroring a sample, in [0, 1] (0.5 flips half of them), but got {value.ToString(CultureInfo.InvariantCulture)}.");
            _horizontalFlip = value;
        }
    }

    /// <summary>
    /// The seed of the shifts and flips; null (default) to use <see cref="FitOptions.Seed"/>, which also orders the samples.
    /// Set it to vary the augmentation while keeping the shuffling order, or the other way round.
    /// </summary>
    public int? Seed { get; init; }

    /// <summary>
    /// Writes <paramref name="source"/>, one sample, into <paramref name="destination"/> shifted down by
    /// <paramref name="shiftDown"/> rows and right by <paramref name="shiftRight"/> columns (negative: up, left), then
    /// mirrored left to right when <paramref name="flip"/>; the pixels shifted in from outside the image are 0. Pixel
    /// (c, y, x) of the result is source (c, y − shiftDown, x' − shiftRight), where x' is W − 1 − x with a flip and x without.
    /// This is what <see cref="Trainer{TNetwork}.Fit"/> does to each training sample with the shift and flip it draws.
    /// </summary>
    /// <exception cref="ArgumentException">A span does not hold one sample, or the two overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A shift moves the image entirely out of view (|shift| ≥ height or width).</exception>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, int shiftDown, int shiftRight, bool flip)
    {
        if (source.Length != SampleSize)
            throw new ArgumentException($"The source holds {source.Length} values, but a sample of ({Channels}, {Height}, {Width}) has {SampleSize}.", nameof(source));
        if (destination.Length != SampleSize)
            throw new ArgumentException($"The destination holds {destination.Length} values, but a sample of ({Channels}, {Height}, {Width}) has {SampleSize}.", nameof(destination));
        // Rows are read at an offset from where they are written, so in place would read values already overwritten.
        if (source.Overlaps(destination))
            throw new ArgumentException("The source and the destination overlap; augmentation cannot work in place.", nameof(destination));
        if (Math.Abs((long)shiftDown) >= Height)
            throw new ArgumentOutOfRangeException(nameof(shiftDown), shiftDown, $"A shift of {shiftDown} rows moves a {Height}-row image entirely out of view.");
        if (Math.Abs((long)shiftRight) >= Width)
            throw new ArgumentOutOfRangeException(nameof(shiftRight), shiftRight, $"A shift of {shiftRight} columns moves a {Width}-column image entirely out of view.");
        Transform(source, destination, shiftDown, shiftRight, flip);
    }

    /// <summary>
    /// The shift and flip of sample <paramref name="sample"/> (its index in the data set) in <paramref name="epoch"/> under
    /// <paramref name="seed"/>: shifts uniform in [−MaxShift, MaxShift], a flip with probability <see cref="HorizontalFlip"/>.
    /// </summary>
    internal (int Down, int Right, bool Flip) Draw(int seed, int epoch, int sample)
    {
        // Counter-based (SplitMix64 over seed, epoch and index) rather than one Random stream: a sample's draw does not
        // depend on which samples came before it, so batching, chunking and threads cannot change it.
        var bits = Mix(Mix(Mix((uint)seed) ^ (uint)epoch) ^ (uint)sample);
        var choices = (ulong)(2 * MaxShift + 1);
        // Multiply-shift maps 32 random bits onto [0, choices); its bias, below choices / 2^32, is far too small to see.
        var down = (int)(((bits & 0xFFFF_FFFF) * choices) >> 32) - MaxShift;
        var right = (int)(((bits >> 32) * choices) >> 32) - MaxShift;
        var flip = (Mix(bits) >> 11) * (1.0 / (1UL << 53)) < HorizontalFlip; // uniform in [0, 1): p = 1 always flips
        return (down, right, flip);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E37_79B9_7F4A_7C15;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }

    /// <summary><see cref="Apply"/> without its checks: the spans hold one sample each, apart, and the shifts are in range.</summary>
    internal void Transform(ReadOnlySpan<float> source, Span<float> destination, int shiftDown, int shiftRight, bool flip)
    {
        int height = Height, width = Width;
        // The columns [from, to) of a shifted row come from source columns [from − shiftRight, to − shiftRight); mirroring
        // moves them to [width − to, width − from), reversed. Whole-row copies and clears keep it vectorised.
        int from = Math.Max(0, shiftRight), to = Math.Min(width, width + shiftRight);
        int start = flip ? width - to : from, end = flip ? width - from : to;
        for (var c = 0; c < Channels; c++)
        {
            var plane = c * height * width;
            for (var y = 0; y < height; y++)
            {
                var row = destination.Slice(plane + y * width, width);
                var sourceY = y - shiftDown;
                if ((uint)sourceY >= (uint)height)
                {
                    row.Clear();
                    continue;
                }
                row[..start].Clear();
                row[end..].Clear();
                var kept = row[start..end];
                source.Slice(plane + sourceY * width + from - shiftRight, to - from).CopyTo(kept);
                if (flip) kept.Reverse();
            }
        }
    }
}

/// <summary>
/// One epoch's augmentation, as <see cref="Trainer{TNetwork}.Fit"/> hands it to each training step; the default value
/// copies samples unchanged (evaluation, validation, <see cref="Trainer{TNetwork}.TrainStep(Dataset, ReadOnlySpan{int})"/>).
/// </summary>
internal readonly struct AugmentationPass(ImageAugmentation? augmentation, int seed, int epoch)
{
    /// <summary>Writes sample <paramref name="index"/> of the data set, <paramref name="sample"/>, into <paramref name="destination"/>, augmented when this pass has an augmentation.</summary>
    public void Copy(ReadOnlySpan<float> sample, int index, Span<float> destination)
    {
        if (augmentation is null)
        {
            sample.CopyTo(destination);
            return;
        }
        var (down, right, flip) = augmentation.Draw(seed, epoch, index);
        augmentation.Transform(sample, destination, down, right, flip);
    }
}
