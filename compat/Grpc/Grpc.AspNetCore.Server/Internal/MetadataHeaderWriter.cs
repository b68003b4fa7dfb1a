using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Writes metadata as HTTP/2 headers or trailers: binary (<c>-bin</c>) values base64-encoded, the reserved
/// status keys skipped (the server writes those itself).
/// </summary>
internal static class MetadataHeaderWriter
{
    public static void AddHeaders(IHeaderDictionary headers, Metadata metadata)
    {
        for (var i = 0; i < metadata.Count; i++)
        {
            var entry = metadata[i];
            if (IsReserved(entry.Key))
            {
                continue;
            }

            headers.Append(entry.Key, FormatValue(entry));
        }
    }

    public static void AppendTrailers(HttpResponse response, Metadata metadata)
    {
        for (var i = 0; i < metadata.Count; i++)
        {
            var entry = metadata[i];
            if (IsReserved(entry.Key))
            {
                continue;
            }

            response.AppendTrailer(entry.Key, FormatValue(entry));
        }
    }

    private static string FormatValue(Metadata.Entry entry)
    {
        return entry.IsBinary ? Convert.ToBase64String(entry.GetValueBytesUnsafe()!) : entry.Value;
    }

    private static bool IsReserved(string key)
    {
        return key.Length > 0 && key[0] == ':'
            || string.Equals(key, GrpcServerConstants.StatusTrailer, StringComparison.Ordinal)
            || string.Equals(key, GrpcServerConstants.MessageTrailer, StringComparison.Ordinal)
            || string.Equals(key, "content-type", StringComparison.Ordinal);
    }
}
