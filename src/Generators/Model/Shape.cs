using System.Collections.Generic;
using System.Globalization;
using System.Numerics;

namespace Unroll.Generators.Model;

/// <summary>
/// The shape of one sample, rank 1 to 4, each rank with named axes: (features), (steps, features), (channels, height,
/// width) and (channels, depth, height, width). Unused trailing dimensions are 1. Rank 0 is "unknown" (an input that
/// failed its own check).
/// </summary>
internal readonly record struct Shape(int Rank, int Dim0, int Dim1 = 1, int Dim2 = 1, int Dim3 = 1)
{
    public const int MaxRank = 4;

    public static Shape Vector(int features) => new(1, features);

    public static Shape Sequence(int steps, int features) => new(2, steps, features);

    public static Shape Image(int channels, int height, int width) => new(3, channels, height, width);

    /// <summary>A shape of the given dimensions (rank 1 to <see cref="MaxRank"/>).</summary>
    public static Shape Of(IReadOnlyList<int> dims) => new(dims.Count, dims[0],
        dims.Count > 1 ? dims[1] : 1, dims.Count > 2 ? dims[2] : 1, dims.Count > 3 ? dims[3] : 1);

    /// <summary>The names of a rank's axes, first to last.</summary>
    public static string[] Axes(int rank) => rank switch
    {
        1 => new[] { "features" },
        2 => new[] { "steps", "features" },
        3 => new[] { "channels", "height", "width" },
        _ => new[] { "channels", "depth", "height", "width" },
    };

    /// <summary>The names of a rank's axes, as the summary and diagnostics write them: <c>(steps, features)</c>.</summary>
    public static string AxisNames(int rank) => "(" + string.Join(", ", Axes(rank)) + ")";

    public int this[int axis] => axis switch { 0 => Dim0, 1 => Dim1, 2 => Dim2, _ => Dim3 };

    public int[] Dims
    {
        get
        {
            var dims = new int[Rank];
            for (var i = 0; i < Rank; i++) dims[i] = this[i];
            return dims;
        }
    }

    /// <summary>The last axis of a (features) or (steps, features) shape.</summary>
    public int Features => Rank == 2 ? Dim1 : Dim0;

    /// <summary>Steps of a (steps, features) shape.</summary>
    public int Steps => Rank == 2 ? Dim0 : 1;

    /// <summary>The first axis of an image or volume; the features of a vector (what BatchNorm normalises per).</summary>
    public int Channels => Rank == 2 ? Dim1 : Dim0;

    public int Height => Rank == 3 ? Dim1 : Rank == 4 ? Dim2 : 1;

    public int Width => Rank == 3 ? Dim2 : Rank == 4 ? Dim3 : 1;

    /// <summary>Values per channel: height × width of an image, 1 for a vector.</summary>
    public int Spatial => IsImage ? Height * Width : 1;

    /// <summary>Values in one sample; the checker keeps every shape it accepts within an int.</summary>
    public int Size => Dim0 * Dim1 * Dim2 * Dim3;

    /// <summary>Values in one sample, exactly, for shapes not yet checked.</summary>
    public BigInteger ExactSize => new BigInteger(Dim0) * Dim1 * Dim2 * Dim3;

    public bool IsImage => Rank == 3;

    public override string ToString() => "(" + string.Join(", ", Text()) + ")";

    /// <summary>Keras's notation with the batch dimension: <c>(None, 6, 28, 28)</c>.</summary>
    public string ToBatchString() => "(None, " + string.Join(", ", Text()) + ")";

    private IEnumerable<string> Text()
    {
        for (var i = 0; i < Rank; i++) yield return this[i].ToString(CultureInfo.InvariantCulture);
    }
}
