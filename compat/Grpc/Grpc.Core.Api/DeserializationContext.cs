using System.Buffers;

namespace Grpc.Core;

/// <summary>
/// Gives a deserializer access to one received message's payload.
/// </summary>
public abstract class DeserializationContext
{
    /// <summary>
    /// Gets the length of the payload in bytes.
    /// </summary>
    public abstract int PayloadLength { get; }

    /// <summary>
    /// Copies the payload into a new array.
    /// </summary>
    /// <returns>The payload.</returns>
    public virtual byte[] PayloadAsNewBuffer()
    {
        throw new NotImplementedException();
    }

    /// <summary>
    /// Gets the payload without copying. Valid only while the deserializer runs.
    /// </summary>
    /// <returns>The payload.</returns>
    public virtual ReadOnlySequence<byte> PayloadAsReadOnlySequence()
    {
        throw new NotImplementedException();
    }
}
