namespace Grpc.Core;

/// <summary>
/// Flags for a single write.
/// </summary>
[Flags]
#pragma warning disable CA1711 // Name is grpc-dotnet's.
public enum WriteFlags
#pragma warning restore CA1711
{
    /// <summary>The write may be buffered rather than sent at once.</summary>
    BufferHint = 0x1,

    /// <summary>The message must not be compressed.</summary>
    NoCompress = 0x2,
}
