namespace Grpc.Core;

/// <summary>
/// Options for writes on a stream.
/// </summary>
public class WriteOptions
{
    /// <summary>
    /// The default options (no flags).
    /// </summary>
    public static readonly WriteOptions Default = new();

    /// <summary>
    /// Creates write options with the given flags.
    /// </summary>
    /// <param name="flags">The write flags.</param>
    public WriteOptions(WriteFlags flags = default)
    {
        Flags = flags;
    }

    /// <summary>
    /// Gets the write flags.
    /// </summary>
    public WriteFlags Flags { get; }
}
