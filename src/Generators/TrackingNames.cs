namespace Unroll.Generators;

/// <summary>Names of the pipeline steps, so tests can assert that an unrelated edit leaves them Cached or Unchanged.</summary>
internal static class TrackingNames
{
    /// <summary>[Network] classes parsed into <see cref="Model.ParseResult"/>.</summary>
    public const string Parse = "Unroll.Parse";

    /// <summary>Shapes inferred and checked: <see cref="Model.CheckResult"/>.</summary>
    public const string Check = "Unroll.Check";

    /// <summary>The diagnostics of every network, one item each.</summary>
    public const string Diagnostics = "Unroll.Diagnostics";

    /// <summary>The checked networks that emit code (no source locations: moving a declaration changes nothing here).</summary>
    public const string Networks = "Unroll.Networks";

    /// <summary>Classes with layer attributes but no [Network].</summary>
    public const string OrphanLayers = "Unroll.OrphanLayers";

    public static readonly string[] All = { Parse, Check, Diagnostics, Networks, OrphanLayers };
}
