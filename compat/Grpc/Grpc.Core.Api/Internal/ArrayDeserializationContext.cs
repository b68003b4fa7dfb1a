using System.Buffers;

namespace Grpc.Core.Internal;

/// <summary>
/// A deserialization context over a payload held in memory.
/// </summary>
internal sealed class ArrayDeserializationContext : DeserializationContext
{
    private readonly ReadOnlyMemory<byte> _payload;

    public ArrayDeserializationContext(ReadOnlyMemory<byte> payload)
    {
        _payload = payload;
    }

    public override int PayloadLength => _payload.Length;

    public override byte[] PayloadAsNewBuffer() => _payload.ToArray();

    public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(_payload);
}
