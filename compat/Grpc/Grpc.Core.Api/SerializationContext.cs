using System.Buffers;

namespace Grpc.Core;

/// <summary>
/// Gives a serializer somewhere to write one message's payload.
/// </summary>
/// <remarks>
/// A serializer either calls <see cref="Complete(byte[])"/> once with the whole payload, or calls
/// <see cref="SetPayloadLength(int)"/> (optional), writes to <see cref="GetBufferWriter"/>, then calls <see cref="Complete()"/>.
/// </remarks>
public abstract class SerializationContext
{
    /// <summary>
    /// Completes the serialization with the whole payload in one array.
    /// </summary>
    /// <param name="payload">The serialized message.</param>
    public virtual void Complete(byte[] payload)
    {
        throw new NotImplementedException();
    }

    /// <summary>
    /// Gets a buffer writer to serialize the message into.
    /// </summary>
    /// <returns>The buffer writer.</returns>
    public virtual IBufferWriter<byte> GetBufferWriter()
    {
        throw new NotImplementedException();
    }

    /// <summary>
    /// Announces the length of the payload before it is written to <see cref="GetBufferWriter"/>.
    /// </summary>
    /// <param name="payloadLength">The payload length in bytes.</param>
    public virtual void SetPayloadLength(int payloadLength)
    {
        throw new NotImplementedException();
    }

    /// <summary>
    /// Completes a serialization that wrote to <see cref="GetBufferWriter"/>.
    /// </summary>
    public virtual void Complete()
    {
        throw new NotImplementedException();
    }
}
