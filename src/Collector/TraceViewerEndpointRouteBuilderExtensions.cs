using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Propagation.Collector.Internal;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the trace viewer: a page over the tracing API (<c>MapTracingApi</c>), served from files embedded in
/// this assembly.</summary>
/// <remarks>
/// <para>The page lists traces with filters, draws the waterfall of one trace, shows a span's attributes, events and
/// links, the service dependency graph and the slow and error lists. It needs nothing from the network but this app:
/// no CDN, no external fonts or scripts, so it works offline.</para>
/// <para>Every response carries a strict <c>Content-Security-Policy</c> (<c>default-src 'self'</c>, no inline script
/// or style), <c>X-Content-Type-Options: nosniff</c>, <c>Referrer-Policy: no-referrer</c> and
/// <c>X-Frame-Options: DENY</c>. Assets carry an <c>ETag</c>; the page links them with a content hash, so a new version
/// is never served from a stale cache. An unknown asset is a 404.</para>
/// <para>The page shows what the tracing API returns: protect both with the same policy, e.g.
/// <c>app.MapTraceViewer().RequireAuthorization("tracing-readers")</c>.</para>
/// </remarks>
public static class TraceViewerEndpointRouteBuilderExtensions
{
    /// <summary>The default path of the page: <c>/tracing</c>.</summary>
    public const string DefaultPath = "/tracing";

    /// <summary>Maps the trace viewer at <see cref="DefaultPath"/>, reading the tracing API at its default prefix
    /// (<c>/api/tracing</c>).</summary>
    /// <param name="endpoints">The endpoint route builder (e.g. the <c>WebApplication</c>).</param>
    /// <returns>A builder for the viewer's endpoints (the page and its assets): add <c>.RequireAuthorization(policy)</c>
    /// and other conventions here.</returns>
    public static IEndpointConventionBuilder MapTraceViewer(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapTraceViewer(DefaultPath);

    /// <summary>Maps the trace viewer at a path, reading the tracing API at a prefix.</summary>
    /// <param name="endpoints">The endpoint route builder (e.g. the <c>WebApplication</c>).</param>
    /// <param name="path">Where the page is served, e.g. <c>/internal/traces</c>; its assets are served under
    /// <c>{path}/assets/</c>.</param>
    /// <param name="apiPrefix">The prefix the tracing API was mapped at (<c>MapTracingApi(prefix)</c>). The page
    /// reads it from a <c>meta</c> element the server writes, after the request's path base; both are percent-encoded
    /// there (the path base may come from a proxy's <c>X-Forwarded-Prefix</c> and hold any text).</param>
    /// <returns>A builder for the viewer's endpoints (the page and its assets): add <c>.RequireAuthorization(policy)</c>
    /// and other conventions here.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> or <paramref name="apiPrefix"/> is empty or not a
    /// plain path (it contains a route parameter, a query, a fragment or a control character, or starts with <c>//</c>,
    /// which a browser reads as another host).</exception>
    public static IEndpointConventionBuilder MapTraceViewer(
        this IEndpointRouteBuilder endpoints,
        string path,
        string apiPrefix = TracingApiEndpointRouteBuilderExtensions.DefaultPrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var page = new ViewerPage(ViewerAssets.Shared, ViewerPage.NormalizePath(path, nameof(path)), ViewerPage.NormalizePath(apiPrefix, nameof(apiPrefix)));
        var group = endpoints.MapGroup(page.Path);
        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        group.MapMethods(string.Empty, methods, page.ServePageAsync).WithDisplayName("Trace viewer page");
        group.MapMethods("assets/{name}", methods, page.ServeAssetAsync).WithDisplayName("Trace viewer asset");
        return group;
    }
}
