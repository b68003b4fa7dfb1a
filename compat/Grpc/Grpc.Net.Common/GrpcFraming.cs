using System.Buffers;
using System.Buffers.Binary;

namespace Grpc.Net.Common;

/// <summary>
/// The outcome of trying to read one length-prefixed message.
/// </summary>
internal enum FrameReadStatus
{
    /// <summary>A whole message was read.</summary>
    Message,

    /// <summary>More data is needed (buffer parsing only).</summary>
    Incomplete,

    /// <summary>The stream ended cleanly between messages.</summary>
    EndOfStream,

    /// <summary>The stream ended inside a message prefix or payload.</summary>
    Truncated,

    /// <summary>The announced length is over the receive limit.</summary>
    TooLarge,

    /// <summary>The compressed flag is set but no compression was negotiated.</summary>
    Compressed,

    /// <summary>The compressed-flag byte is neither 0 nor 1.</summary>
    InvalidFlag,
}

/// <summary>
/// Length-prefixed message framing. gRPC over HTTP/2, "Length-Prefixed-Message":
/// Compressed-Flag (1 byte, 0 or 1), Message-Length (4 bytes, big-endian, unsigned), Message.
/// </summary>
internal static class GrpcFraming
{
    /// <summary>
    /// Writes a message prefix for an uncompressed message.
    /// </summary>
    /// <param name="destination">At least <see cref="GrpcProtocolConstants.MessagePrefixSize"/> bytes.</param>
    /// <param name="length">The payload length.</param>
    public static void WritePrefix(Span<byte> destination, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        destination[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(1, 4), (uint)length);
    }

    /// <summary>
    /// Returns a new array holding the prefix followed by the payload.
    /// </summary>
    /// <param name="payload">The serialized message.</param>
    /// <returns>The framed message.</returns>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var framed = new byte[GrpcProtocolConstants.MessagePrefixSize + payload.Length];
        WritePrefix(framed, payload.Length);
        payload.CopyTo(framed.AsSpan(GrpcProtocolConstants.MessagePrefixSize));
        return framed;
    }

    /// <summary>
    /// Validates a message prefix against the receive limit. Never throws for wire data.
    /// </summary>
    /// <param name="prefix">The five prefix bytes.</param>
    /// <param name="maxMessageSize">The largest accepted payload; <see langword="null"/> for no limit.</param>
    /// <param name="length">The payload length when the prefix is acceptable.</param>
    /// <returns><see cref="FrameReadStatus.Message"/> when acceptable, else the reason.</returns>
    public static FrameReadStatus CheckPrefix(ReadOnlySpan<byte> prefix, int? maxMessageSize, out int length)
    {
        length = 0;
        var flag = prefix[0];
        if (flag == 1)
        {
            return FrameReadStatus.Compressed;
        }

        if (flag != 0)
        {
            return FrameReadStatus.InvalidFlag;
        }

        var announced = BinaryPrimitives.ReadUInt32BigEndian(prefix.Slice(1, 4));
        var limit = (uint)(maxMessageSize ?? int.MaxValue);
        if (announced > limit || announced > int.MaxValue)
        {
            return FrameReadStatus.TooLarge;
        }

        length = (int)announced;
        return FrameReadStatus.Message;
    }

    /// <summary>
    /// Tries to take one whole message from the front of <paramref name="buffer"/> (for pipe readers).
    /// On <see cref="FrameReadStatus.Message"/> the buffer is advanced past the message.
    /// </summary>
    /// <param name="buffer">The buffered data.</param>
    /// <param name="maxMessageSize">The largest accepted payload; <see langword="null"/> for no limit.</param>
    /// <param name="payload">The payload (a slice of the original buffer).</param>
    /// <returns>The outcome; <see cref="FrameReadStatus.Incomplete"/> when more data is needed.</returns>
    public static FrameReadStatus TryReadMessage(ref ReadOnlySequence<byte> buffer, int? maxMessageSize, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < GrpcProtocolConstants.MessagePrefixSize)
        {
            return FrameReadStatus.Incomplete;
        }

        Span<byte> prefix = stackalloc byte[GrpcProtocolConstants.MessagePrefixSize];
        buffer.Slice(0, GrpcProtocolConstants.MessagePrefixSize).CopyTo(prefix);
        var status = CheckPrefix(prefix, maxMessageSize, out var length);
        if (status != FrameReadStatus.Message)
        {
            return status;
        }

        if (buffer.Length - GrpcProtocolConstants.MessagePrefixSize < length)
        {
            return FrameReadStatus.Incomplete;
        }

        payload = buffer.Slice(GrpcProtocolConstants.MessagePrefixSize, length);
        buffer = buffer.Slice(payload.End);
        return FrameReadStatus.Message;
    }

    /// <summary>
    /// Reads one whole message from a stream. Never throws for wire data (I/O and cancellation errors still throw).
    /// </summary>
    /// <param name="stream">The stream.</param>
    /// <param name="maxMessageSize">The largest accepted payload; <see langword="null"/> for no limit.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The outcome, and the payload when it is <see cref="FrameReadStatus.Message"/>.</returns>
    public static ValueTask<(FrameReadStatus Status, byte[]? Payload)> ReadMessageAsync(Stream stream, int? maxMessageSize, CancellationToken cancellationToken)
    {
        return ReadMessageAsync(stream, maxMessageSize, new byte[GrpcProtocolConstants.MessagePrefixSize], cancellationToken);
    }

    /// <summary>
    /// Reads one whole message from a stream, reusing <paramref name="prefix"/> for the message prefix.
    /// Never throws for wire data (I/O and cancellation errors still throw).
    /// </summary>
    /// <param name="stream">The stream.</param>
    /// <param name="maxMessageSize">The largest accepted payload; <see langword="null"/> for no limit.</param>
    /// <param name="prefix">A buffer of exactly <see cref="GrpcProtocolConstants.MessagePrefixSize"/> bytes, not used concurrently.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The outcome, and the payload when it is <see cref="FrameReadStatus.Message"/>.</returns>
    public static async ValueTask<(FrameReadStatus Status, byte[]? Payload)> ReadMessageAsync(Stream stream, int? maxMessageSize, byte[] prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNotEqual(prefix.Length, GrpcProtocolConstants.MessagePrefixSize);
        var read = await ReadAtLeastAsync(stream, prefix, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return (FrameReadStatus.EndOfStream, null);
        }

        if (read < prefix.Length)
        {
            return (FrameReadStatus.Truncated, null);
        }

        var status = CheckPrefix(prefix, maxMessageSize, out var length);
        if (status != FrameReadStatus.Message)
        {
            return (status, null);
        }

        var payload = length == 0 ? [] : new byte[length];
        if (length > 0 && await ReadAtLeastAsync(stream, payload, cancellationToken).ConfigureAwait(false) < length)
        {
            return (FrameReadStatus.Truncated, null);
        }

        return (FrameReadStatus.Message, payload);
    }

    private static async ValueTask<int> ReadAtLeastAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        return await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
    }
}
