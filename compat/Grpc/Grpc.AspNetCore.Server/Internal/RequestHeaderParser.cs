using System.Buffers;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Builds <see cref="ServerCallContext.RequestHeaders"/> from the request headers. Inbound headers are
/// attacker-controlled: an entry whose key is not a valid gRPC metadata key or whose <c>-bin</c> value is not
/// base64 is skipped (and counted in a debug log), never thrown.
/// </summary>
internal static class RequestHeaderParser
{
    /// <summary>Largest base64 text decoded per binary value; HTTP/2 header limits keep real values far below.</summary>
    private const int MaxBinaryValueChars = 64 * 1024;

    private static readonly string[] SkippedHeaders =
    [
        "content-type", "te", "host", "accept-encoding",
        GrpcServerConstants.TimeoutHeader, GrpcServerConstants.EncodingHeader, GrpcServerConstants.AcceptEncodingHeader,
    ];

    public static Metadata Parse(IHeaderDictionary headers, HttpContextServerCallContext call)
    {
        var metadata = new Metadata();
        var skipped = false;
        foreach (var header in headers)
        {
            var key = header.Key;
            if (ShouldSkip(key))
            {
                continue;
            }

            if (!Metadata.Entry.IsValidLowercaseKey(key))
            {
                // HTTP/2 names arrive lowercase; other hosts (TestServer, HTTP/1.1 proxies) may keep the case.
                key = key.ToLowerInvariant();
                if (!Metadata.Entry.IsValidLowercaseKey(key))
                {
                    skipped = true;
                    continue;
                }
            }

            if (Metadata.Entry.HasBinarySuffix(key))
            {
                skipped |= !AddBinary(metadata, key, header.Value);
            }
            else
            {
                foreach (var value in header.Value)
                {
                    if (value is not null)
                    {
                        metadata.Add(Metadata.Entry.CreateUnsafe(key, value, null));
                    }
                }
            }
        }

        if (skipped)
        {
            call.LogInvalidRequestHeader();
        }

        return metadata;
    }

    private static bool AddBinary(Metadata metadata, string key, StringValues values)
    {
        var ok = true;
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }

            // gRPC over HTTP/2: several binary values may arrive comma-separated in one header.
            var remaining = value.AsSpan();
            while (true)
            {
                var comma = remaining.IndexOf(',');
                var part = (comma < 0 ? remaining : remaining.Slice(0, comma)).Trim(' ');
                if (TryDecodeBase64(part, out var bytes))
                {
                    metadata.Add(Metadata.Entry.CreateUnsafe(key, null, bytes));
                }
                else
                {
                    ok = false;
                }

                if (comma < 0)
                {
                    break;
                }

                remaining = remaining.Slice(comma + 1);
            }
        }

        return ok;
    }

    /// <summary>Decodes padded or unpadded base64 (gRPC peers may omit the padding).</summary>
    internal static bool TryDecodeBase64(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length > MaxBinaryValueChars || text.Length % 4 == 1)
        {
            return false;
        }

        if (text.IsEmpty)
        {
            return true;
        }

        var paddedLength = (text.Length + 3) & ~3;
        var rented = ArrayPool<char>.Shared.Rent(paddedLength);
        try
        {
            text.CopyTo(rented);
            rented.AsSpan(text.Length, paddedLength - text.Length).Fill('=');
            var buffer = new byte[paddedLength / 4 * 3];
            if (!Convert.TryFromBase64Chars(rented.AsSpan(0, paddedLength), buffer, out var written))
            {
                return false;
            }

            bytes = written == buffer.Length ? buffer : buffer.AsSpan(0, written).ToArray();
            return true;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private static bool ShouldSkip(string key)
    {
        // Pseudo-headers and the transport headers gRPC handles itself are not call metadata.
        if (key.Length == 0 || key[0] == ':')
        {
            return true;
        }

        foreach (var skipped in SkippedHeaders)
        {
            if (string.Equals(key, skipped, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
