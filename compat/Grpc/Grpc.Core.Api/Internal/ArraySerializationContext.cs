using System.Buffers;

namespace Grpc.Core.Internal;

/// <summary>
/// A serialization context that collects the payload into one array; used to derive a simple
/// serializer from a contextual one, and by the wire code to serialize a message.
/// </summary>
internal sealed class ArraySerializationContext : SerializationContext
{
    private ArrayBufferWriter<byte>? _writer;
    private byte[]? _payload;
    private int _expectedLength = -1;

    public override void Complete(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (_payload is not null || _writer is not null)
        {
            throw new InvalidOperationException("The serialization context was already completed or written to.");
        }

        _payload = payload;
    }

    public override IBufferWriter<byte> GetBufferWriter()
    {
        if (_payload is not null)
        {
            throw new InvalidOperationException("The serialization context was already completed.");
        }

        return _writer ??= new ArrayBufferWriter<byte>(_expectedLength > 0 ? _expectedLength : 256);
    }

    public override void SetPayloadLength(int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        _expectedLength = payloadLength;
    }

    public override void Complete()
    {
        if (_payload is not null)
        {
            throw new InvalidOperationException("The serialization context was already completed.");
        }

        var written = _writer is null ? ReadOnlySpan<byte>.Empty : _writer.WrittenSpan;
        if (_expectedLength >= 0 && written.Length != _expectedLength)
        {
            throw new InvalidOperationException($"The serializer announced {_expectedLength} bytes but wrote {written.Length}.");
        }

        _payload = written.ToArray();
    }

    /// <summary>
    /// Gets the completed payload.
    /// </summary>
    /// <returns>The payload.</returns>
    /// <exception cref="InvalidOperationException">The serializer did not complete the context.</exception>
    public byte[] GetPayload()
    {
        return _payload ?? throw new InvalidOperationException("The serializer did not complete the serialization context.");
    }
}
