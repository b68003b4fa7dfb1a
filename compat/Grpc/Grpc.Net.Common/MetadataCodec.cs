using System.Diagnostics.CodeAnalysis;
using Grpc.Core;

namespace Grpc.Net.Common;

/// <summary>
/// Converts between <see cref="Metadata"/> entries and HTTP/2 headers. gRPC over HTTP/2,
/// "Custom-Metadata": Binary-Header values ("-bin" keys) are base64, sent padded and accepted
/// padded or unpadded; ASCII-Value is printable ASCII (0x20-0x7E).
/// </summary>
internal static class MetadataCodec
{
    /// <summary>The longest header value turned into a metadata entry; longer values are ignored.</summary>
    public const int MaxValueLength = 64 * 1024;

    /// <summary>
    /// Returns whether a header belongs to the protocol (pseudo-headers, <c>content-type</c>, <c>content-encoding</c>,
    /// <c>content-length</c>, <c>te</c>, <c>host</c>, <c>user-agent</c>, <c>accept-encoding</c> and the reserved
    /// <c>grpc-*</c> headers), not to the metadata.
    /// </summary>
    /// <param name="name">The lowercase header name.</param>
    /// <returns><see langword="true"/> for protocol headers.</returns>
    public static bool IsReservedHeader(string name)
    {
        if (name.Length == 0 || name[0] == ':')
        {
            return true;
        }

        return name switch
        {
            "content-type" or "content-encoding" or "te" or "host" or "user-agent" or "accept-encoding" or "content-length" => true,
            GrpcProtocolConstants.StatusTrailer or GrpcProtocolConstants.MessageTrailer or GrpcProtocolConstants.TimeoutHeader
                or GrpcProtocolConstants.MessageEncodingHeader or GrpcProtocolConstants.MessageAcceptEncodingHeader => true,
            _ => false,
        };
    }

    /// <summary>
    /// Returns whether a header of a received request is left out of the call's request metadata: the headers of
    /// <see cref="IsReservedHeader"/> except <c>user-agent</c>, which gRPC servers (grpc-dotnet, gRPC Core) hand to
    /// the service as metadata.
    /// </summary>
    /// <param name="name">The lowercase header name.</param>
    /// <returns><see langword="true"/> for headers that are not request metadata.</returns>
    public static bool IsReservedRequestHeader(string name) => name != "user-agent" && IsReservedHeader(name);

    /// <summary>
    /// Turns a received header into a metadata entry. Never throws: a name that is not a valid
    /// lowercase key, an ASCII value with characters outside 0x20-0x7E, invalid base64, or a value
    /// over <see cref="MaxValueLength"/> gives <see langword="false"/> and the header is ignored.
    /// </summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The header value.</param>
    /// <param name="entry">The entry.</param>
    /// <returns><see langword="true"/> when the header is valid metadata.</returns>
    public static bool TryCreateEntry(string name, string value, [NotNullWhen(true)] out Metadata.Entry? entry)
    {
        entry = null;
        if (value.Length > MaxValueLength || !Metadata.Entry.IsValidLowercaseKey(name))
        {
            return false;
        }

        if (Metadata.Entry.HasBinarySuffix(name))
        {
            if (!TryDecodeBase64(value, out var bytes))
            {
                return false;
            }

            entry = Metadata.Entry.CreateUnsafe(name, null, bytes);
            return true;
        }

        if (!IsValidAsciiValue(value))
        {
            return false;
        }

        entry = Metadata.Entry.CreateUnsafe(name, value, null);
        return true;
    }

    /// <summary>
    /// Returns the header value for an entry to send: base64 (padded) for binary entries, the string otherwise.
    /// </summary>
    /// <param name="entry">The entry.</param>
    /// <returns>The header value.</returns>
    public static string EncodeValue(Metadata.Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.IsBinary ? Convert.ToBase64String(entry.GetValueBytesUnsafe()!) : entry.Value;
    }

    /// <summary>
    /// Returns whether a value is printable ASCII (0x20-0x7E), the only characters an ASCII entry may carry.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public static bool IsValidAsciiValue(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (c is < (char)0x20 or > (char)0x7E)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Decodes base64, padded or unpadded. Never throws.
    /// </summary>
    /// <param name="value">The base64 text.</param>
    /// <param name="bytes">The decoded bytes.</param>
    /// <returns><see langword="true"/> when the text is valid base64.</returns>
    public static bool TryDecodeBase64(string value, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        var text = value.AsSpan().Trim();
        var remainder = text.Length % 4;
        if (remainder == 1)
        {
            return false;
        }

        var padding = remainder == 0 ? 0 : 4 - remainder;
        Span<char> padded = text.Length + padding <= 512 ? stackalloc char[text.Length + padding] : new char[text.Length + padding];
        text.CopyTo(padded);
        padded[text.Length..].Fill('=');
        var buffer = new byte[(padded.Length / 4) * 3];
        if (!Convert.TryFromBase64Chars(padded, buffer, out var written))
        {
            return false;
        }

        bytes = written == buffer.Length ? buffer : buffer.AsSpan(0, written).ToArray();
        return true;
    }
}
