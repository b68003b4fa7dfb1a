using Grpc.Core;
using Grpc.Net.Common;
using Microsoft.AspNetCore.Http;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Writes metadata as HTTP/2 headers or trailers: binary (<c>-bin</c>) values base64-encoded, the protocol's
/// reserved headers (<c>grpc-status</c>, <c>content-type</c>, ...) skipped because the server writes those itself.
/// </summary>
internal static class MetadataHeaderWriter
{
    public static void AddHeaders(IHeaderDictionary headers, Metadata metadata)
    {
        for (var i = 0; i < metadata.Count; i++)
        {
            var entry = metadata[i];
            if (!MetadataCodec.IsReservedHeader(entry.Key))
            {
                headers.Append(entry.Key, MetadataCodec.EncodeValue(entry));
            }
        }
    }

    public static void AppendTrailers(HttpResponse response, Metadata metadata)
    {
        for (var i = 0; i < metadata.Count; i++)
        {
            var entry = metadata[i];
            if (!MetadataCodec.IsReservedHeader(entry.Key))
            {
                response.AppendTrailer(entry.Key, MetadataCodec.EncodeValue(entry));
            }
        }
    }
}
