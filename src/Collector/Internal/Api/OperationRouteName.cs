using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Propagation.Collector.Internal.Api;

/// <summary>Reads the operation name of <c>operations/{name}/analysis</c>.</summary>
/// <remarks>
/// <para>Servers decode every escape of the request path except <c>%2F</c> (RFC 3986 section 2.2: an encoded slash
/// is data, a decoded one a separator), and routing passes the segment on as decoded. The route value alone is
/// ambiguous: <c>a%2Fb</c> is what both the name <c>a/b</c> (sent as <c>a%2Fb</c>) and the name <c>a%2Fb</c> (sent as
/// <c>a%252Fb</c>) become.</para>
/// <para>So when the server reports the raw request target (<see cref="IHttpRequestFeature.RawTarget"/>: Kestrel,
/// IIS and HTTP.sys do), the segment is taken from it and decoded exactly once. That raw segment is used only if it
/// is the one routing matched: decoded as the server decodes a path it must give the route value (it would not after
/// a path rewrite or dot segments the server removed). Otherwise, and when no raw target is known (TestServer), every
/// <c>%2F</c> of the route value is read as <c>/</c>. Malformed escapes are kept as they are, never an error.</para>
/// </remarks>
internal static class OperationRouteName
{
    private const string AnalysisSuffix = "/analysis";
    private const string EncodedSlash = "%2F";

    public static string Read(HttpContext context)
    {
        var routed = context.Request.RouteValues["name"] as string ?? string.Empty;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (TryRawSegment(rawTarget, out var segment) &&
            string.Equals(DecodeAllButSlashes(segment), routed, StringComparison.Ordinal))
        {
            return Uri.UnescapeDataString(segment);
        }

        return routed.Replace(EncodedSlash, "/", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The still-encoded path segment before <c>/analysis</c> at the end of the raw target's path.</summary>
    private static bool TryRawSegment(string? rawTarget, out string segment)
    {
        segment = string.Empty;
        if (string.IsNullOrEmpty(rawTarget))
        {
            return false;
        }

        var path = rawTarget.AsSpan();
        var end = path.IndexOfAny('?', '#');
        if (end >= 0)
        {
            path = path[..end];
        }

        // Routing matches the route with one trailing slash too.
        if (path.EndsWith('/'))
        {
            path = path[..^1];
        }

        if (!path.EndsWith(AnalysisSuffix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        path = path[..^AnalysisSuffix.Length];
        var slash = path.LastIndexOf('/');
        if (slash < 0)
        {
            return false;
        }

        segment = path[(slash + 1)..].ToString();
        return true;
    }

    /// <summary>The segment decoded as a server decodes a request path: every escape but <c>%2F</c>, which is kept as
    /// sent.</summary>
    private static string DecodeAllButSlashes(string segment)
    {
        var slash = segment.IndexOf(EncodedSlash, StringComparison.OrdinalIgnoreCase);
        if (slash < 0)
        {
            return Uri.UnescapeDataString(segment);
        }

        var decoded = new StringBuilder(segment.Length);
        var start = 0;
        while (slash >= 0)
        {
            decoded.Append(Uri.UnescapeDataString(segment[start..slash])).Append(segment, slash, EncodedSlash.Length);
            start = slash + EncodedSlash.Length;
            slash = segment.IndexOf(EncodedSlash, start, StringComparison.OrdinalIgnoreCase);
        }

        return decoded.Append(Uri.UnescapeDataString(segment[start..])).ToString();
    }
}
