using System.Buffers;
using System.Text;

namespace Grpc.Net.Common;

/// <summary>
/// Percent-encodes and decodes <c>grpc-message</c>. gRPC over HTTP/2, "Status-Message":
/// the UTF-8 message is sent as Percent-Encoded, where bytes 0x20-0x7E except '%' are sent as they
/// are and every other byte as '%' followed by two uppercase hex digits. Decoders must not fail:
/// an invalid '%' sequence is kept as it is.
/// </summary>
internal static class GrpcStatusMessageCodec
{
    private static readonly SearchValues<char> Unreserved = SearchValues.Create(BuildUnreserved());

    /// <summary>
    /// Percent-encodes a status message. Returns the same instance when nothing needs encoding.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <returns>The header value.</returns>
    public static string Encode(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var first = message.AsSpan().IndexOfAnyExcept(Unreserved);
        if (first < 0)
        {
            return message;
        }

        var maxBytes = Encoding.UTF8.GetMaxByteCount(message.Length);
        var rented = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            var byteCount = Encoding.UTF8.GetBytes(message, rented);
            var bytes = rented.AsSpan(0, byteCount);
            var length = 0;
            foreach (var b in bytes)
            {
                length += IsUnreserved(b) ? 1 : 3;
            }

            return string.Create(length, rented, static (destination, state) => WriteEncoded(destination, state));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Decodes a percent-encoded status message. Never throws: invalid escapes are kept as they are,
    /// invalid UTF-8 becomes U+FFFD, and the result is cut at <see cref="GrpcProtocolConstants.MaxStatusMessageLength"/> characters.
    /// </summary>
    /// <param name="value">The header value.</param>
    /// <returns>The message.</returns>
    public static string Decode(ReadOnlySpan<char> value)
    {
        // A decoded character needs at most three input characters (one escaped byte each is the worst for ASCII;
        // multi-byte UTF-8 needs more input per character), so this bound keeps everything the output cap allows.
        if (value.Length > GrpcProtocolConstants.MaxStatusMessageLength * 3)
        {
            value = value[..(GrpcProtocolConstants.MaxStatusMessageLength * 3)];
        }

        if (!value.Contains('%'))
        {
            return Cap(value.ToString());
        }

        var rented = ArrayPool<byte>.Shared.Rent(value.Length * 3);
        try
        {
            var count = 0;
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (c == '%' && i + 2 < value.Length && TryHex(value[i + 1], out var high) && TryHex(value[i + 2], out var low))
                {
                    rented[count++] = (byte)((high << 4) | low);
                    i += 2;
                }
                else if (c <= 0x7F)
                {
                    rented[count++] = (byte)c;
                }
                else
                {
                    count += Encoding.UTF8.GetBytes(value.Slice(i, 1), rented.AsSpan(count));
                }
            }

            return Cap(Encoding.UTF8.GetString(rented, 0, count));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void WriteEncoded(Span<char> destination, byte[] source)
    {
        var j = 0;
        for (var i = 0; j < destination.Length; i++)
        {
            var b = source[i];
            if (IsUnreserved(b))
            {
                destination[j++] = (char)b;
            }
            else
            {
                destination[j++] = '%';
                destination[j++] = HexUpper(b >> 4);
                destination[j++] = HexUpper(b & 0xF);
            }
        }
    }

    private static bool IsUnreserved(byte b) => b is >= 0x20 and <= 0x7E and not (byte)'%';

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'A' and <= 'F' => c - 'A' + 10,
            >= 'a' and <= 'f' => c - 'a' + 10,
            _ => -1,
        };
        return value >= 0;
    }

    private static string Cap(string message) => message.Length <= GrpcProtocolConstants.MaxStatusMessageLength
        ? message
        : message[..GrpcProtocolConstants.MaxStatusMessageLength];

    private static string BuildUnreserved()
    {
        var builder = new StringBuilder();
        for (var c = 0x20; c <= 0x7E; c++)
        {
            if (c != '%')
            {
                builder.Append((char)c);
            }
        }

        return builder.ToString();
    }
}
