using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Propagation.Collector.Internal;

/// <summary>Serves one mapping of the trace viewer: the page (rendered for the request's path base) and its
/// assets.</summary>
internal sealed class ViewerPage
{
    /// <summary>Only this app's own files and API; no inline script or style, no framing, no plugins.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private const string ImmutableCache = "private, max-age=31536000, immutable";
    private const string Revalidate = "no-cache";

    // RFC 3986 section 2.3 (unreserved) plus the segment separator: what an escaped path keeps as it is.
    private static readonly SearchValues<char> PathKept =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/");

    private readonly ViewerAssets _assets;
    private readonly string _urlPath;

    // The page rendered for the last path base seen: one app almost always has exactly one.
    private volatile RenderedPage? _last;

    public ViewerPage(ViewerAssets assets, string path, string apiPrefix)
    {
        _assets = assets;
        Path = path;
        ApiPrefix = apiPrefix;
        _urlPath = path == "/" ? string.Empty : path;
    }

    public string Path { get; }

    public string ApiPrefix { get; }

    /// <summary>Checks and normalizes a path given by the app: a leading <c>/</c>, no trailing <c>/</c>.</summary>
    public static string NormalizePath(string path, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path, parameterName);
        var trimmed = path.Trim();
        foreach (var c in trimmed)
        {
            if (c is '{' or '}' or '?' or '#' or '\\' or '"' or '<' or '>' || char.IsControl(c))
            {
                throw new ArgumentException($"'{path}' is not a plain URL path: remove route parameters, query, fragment and special characters.", parameterName);
            }
        }

        // "//host/..." is a network-path reference (RFC 3986 section 4.2): in the page's links and its API address it
        // would name another host.
        if (trimmed.StartsWith("//", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{path}' starts with '//', which browsers read as another host: use a path such as '/tracing'.", parameterName);
        }

        trimmed = trimmed.TrimEnd('/');
        return trimmed.Length == 0 ? "/" : trimmed[0] == '/' ? trimmed : "/" + trimmed;
    }

    public Task ServePageAsync(HttpContext context)
    {
        TracingSelfRequests.DoNotRecord(context);
        var page = Render(context.Request.PathBase.Value ?? string.Empty);
        return WriteAsync(context, page.Content, "text/html; charset=utf-8", page.ETag, Revalidate);
    }

    public Task ServeAssetAsync(HttpContext context)
    {
        TracingSelfRequests.DoNotRecord(context);
        var name = context.Request.RouteValues["name"] as string;
        if (name is null || !_assets.TryGet(name, out var asset))
        {
            AddSecurityHeaders(context.Response);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        // A link from the current page names the current version: it never changes, so it may be cached for good.
        var version = context.Request.Query["v"];
        var cache = version.Count == 1 && string.Equals(version[0], _assets.Version, StringComparison.Ordinal) ? ImmutableCache : Revalidate;
        return WriteAsync(context, asset.Content, asset.ContentType, asset.ETag, cache);
    }

    internal static void AddSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }

    private static Task WriteAsync(HttpContext context, byte[] content, string contentType, string etag, string cacheControl)
    {
        var response = context.Response;
        AddSecurityHeaders(response);
        response.Headers.ETag = etag;
        response.Headers.CacheControl = cacheControl;
        if (Matches(context.Request.Headers.IfNoneMatch, etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = contentType;
        response.ContentLength = content.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(content, 0, content.Length, context.RequestAborted);
    }

    private static bool Matches(StringValues ifNoneMatch, string etag)
    {
        if (ifNoneMatch.Count == 0 || !EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags))
        {
            return false;
        }

        var current = new EntityTagHeaderValue(etag);
        foreach (var tag in tags)
        {
            if (tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes a decoded URL path (a path base, a mapped path) as it must appear in an address: every character
    /// but the unreserved ones (RFC 3986 section 2.3) and the <c>/</c> separators percent-encoded from UTF-8 (section
    /// 2.5), <c>%</c> included, so the server decoding it once gets the same path back. Nothing of it can end the path
    /// (<c>?</c>, <c>#</c>) or the attribute it is written in (<c>"</c>, <c>'</c>, <c>&lt;</c>). A lone surrogate
    /// becomes U+FFFD, as it does in any UTF-8 text.</summary>
    internal static string EscapePath(string path)
    {
        if (!path.AsSpan().ContainsAnyExcept(PathKept))
        {
            return path;
        }

        var bytes = Encoding.UTF8.GetBytes(path);
        var escaped = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b < 0x80 && PathKept.Contains((char)b))
            {
                escaped.Append((char)b);
            }
            else
            {
                escaped.Append('%').Append(HexUpper(b >> 4)).Append(HexUpper(b & 0xF));
            }
        }

        return escaped.ToString();

        static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
    }

    private RenderedPage Render(string pathBase)
    {
        var last = _last;
        if (last is not null && string.Equals(last.PathBase, pathBase, StringComparison.Ordinal))
        {
            return last;
        }

        // The path base comes from the request (a proxy sets it through X-Forwarded-Prefix): any text at all. It and the
        // mapped paths are decoded paths, so they are percent-encoded into addresses first; what is left is plain ASCII,
        // and the HTML encoding of the attribute values is a second guard, not the escaping that matters.
        var encoder = HtmlEncoder.Default;
        var html = new StringBuilder(_assets.PageTemplate)
            .Replace("{{api}}", encoder.Encode(EscapePath(pathBase + ApiPrefix)))
            .Replace("{{assets}}", encoder.Encode(EscapePath(pathBase + _urlPath) + "/assets"))
            .Replace("{{version}}", _assets.Version)
            .ToString();
        var content = Encoding.UTF8.GetBytes(html);
        var rendered = new RenderedPage(pathBase, content, ViewerAssets.ETagOf(content));
        _last = rendered;
        return rendered;
    }

    private sealed record RenderedPage(string PathBase, byte[] Content, string ETag);
}
