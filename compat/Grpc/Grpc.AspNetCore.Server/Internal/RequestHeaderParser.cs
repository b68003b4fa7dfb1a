using Grpc.Core;
using Grpc.Net.Common;
using Microsoft.AspNetCore.Http;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Builds <see cref="ServerCallContext.RequestHeaders"/> from the request headers. Inbound headers are
/// attacker-controlled: an entry whose key is not a valid metadata key, whose ASCII value has characters
/// outside 0x20-0x7E or whose <c>-bin</c> value is not base64 is skipped (and counted in a debug log), never thrown.
/// </summary>
internal static class RequestHeaderParser
{
    public static Metadata Parse(IHeaderDictionary headers, HttpContextServerCallContext call)
    {
        var metadata = new Metadata();
        var skipped = false;
        foreach (var header in headers)
        {
            var key = header.Key;
            if (!Metadata.Entry.IsValidLowercaseKey(key))
            {
                // HTTP/2 names arrive lowercase; other hosts (TestServer, HTTP/1.1 proxies) may keep the case.
                key = key.ToLowerInvariant();
            }

            if (MetadataCodec.IsReservedRequestHeader(key))
            {
                continue;
            }

            foreach (var value in header.Value)
            {
                if (value is not null && MetadataCodec.TryCreateEntry(key, value, out var entry))
                {
                    metadata.Add(entry);
                }
                else
                {
                    skipped = true;
                }
            }
        }

        if (skipped)
        {
            call.LogInvalidRequestHeader();
        }

        return metadata;
    }
}
