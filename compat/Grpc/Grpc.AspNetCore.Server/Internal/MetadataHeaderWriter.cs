using Grpc.Core;
using Grpc.Net.Common;
using Microsoft.AspNetCore.Http;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Writes metadata as HTTP/2 headers or trailers: binary (<c>-bin</c>) values base64-encoded, the protocol's
/// reserved headers (<c>grpc-status</c>, <c>content-type</c>, ...) skipped because the server writes those itself,
/// and ASCII values outside 0x20-0x7E skipped (the transport would reject them).
/// </summary>
internal static class MetadataHeaderWriter
{
    /// <summary>Adds the entries as headers; returns <see langword="false"/> when an entry had to be skipped.</summary>
    public static bool AddHeaders(IHeaderDictionary headers, Metadata metadata)
    {
        var allWritten = true;
        for (var i = 0; i < metadata.Count; i++)
        {
            var entry = metadata[i];
            if (MetadataCodec.IsReservedHeader(entry.Key))
            {
                continue;
            }

            if (!IsWritable(entry))
            {
                allWritten = false;
                continue;
            }

            headers.Append(entry.Key, MetadataCodec.EncodeValue(entry));
        }

        return allWritten;
    }

    /// <summary>Appends the entries as trailers; returns <see langword="false"/> when an entry had to be skipped.</summary>
    public static bool AppendTrailers(HttpResponse response, Metadata metadata)
    {
        var allWritten = true;
        for (var i = 0; i < metadata.Count; i++)
        {
            var entry = metadata[i];
            if (MetadataCodec.IsReservedHeader(entry.Key))
            {
                continue;
            }

            if (!IsWritable(entry))
            {
                allWritten = false;
                continue;
            }

            response.AppendTrailer(entry.Key, MetadataCodec.EncodeValue(entry));
        }

        return allWritten;
    }

    private static bool IsWritable(Metadata.Entry entry) => entry.IsBinary || MetadataCodec.IsValidAsciiValue(entry.Value);
}
