using System.Buffers;
using System.Text;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Percent-encodes <c>grpc-message</c>. gRPC over HTTP/2: the value is the UTF-8 message with every byte
/// outside 0x20-0x7E, and '%' itself, written as %XX.
/// </summary>
internal static class GrpcMessageEncoding
{
    /// <summary>Longest status message sent, in UTF-8 bytes; longer messages are cut at a character boundary.</summary>
    internal const int MaxMessageBytes = 4096;

    public static string PercentEncode(string message)
    {
        var needsEncoding = false;
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                needsEncoding = true;
                break;
            }
        }

        if (!needsEncoding && message.Length <= MaxMessageBytes)
        {
            return message;
        }

        var byteCount = Encoding.UTF8.GetByteCount(message);
        var rented = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            var written = Encoding.UTF8.GetBytes(message, rented);
            var bytes = Truncate(rented.AsSpan(0, written));
            var length = 0;
            foreach (var b in bytes)
            {
                length += IsUnreserved(b) ? 1 : 3;
            }

            return string.Create(length, bytes.ToArray(), static (span, source) =>
            {
                var i = 0;
                foreach (var b in source)
                {
                    if (IsUnreserved(b))
                    {
                        span[i++] = (char)b;
                    }
                    else
                    {
                        span[i++] = '%';
                        span[i++] = ToHex(b >> 4);
                        span[i++] = ToHex(b & 0xF);
                    }
                }
            });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static ReadOnlySpan<byte> Truncate(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length <= MaxMessageBytes)
        {
            return utf8;
        }

        var end = MaxMessageBytes;
        // Step back over UTF-8 continuation bytes (10xxxxxx) so a character is never split.
        while (end > 0 && (utf8[end] & 0xC0) == 0x80)
        {
            end--;
        }

        return utf8.Slice(0, end);
    }

    private static bool IsUnreserved(byte b) => b is >= 0x20 and <= 0x7E and not (byte)'%';

    private static char ToHex(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
}
