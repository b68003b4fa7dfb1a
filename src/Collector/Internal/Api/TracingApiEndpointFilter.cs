using Microsoft.AspNetCore.Http;

namespace Propagation.Collector.Internal.Api;

/// <summary>Runs before every tracing API handler: the request is not recorded as a trace
/// (<see cref="TracingSelfRequests"/>), its answer is never stored by a cache nor sniffed as another type, and the answer
/// to a HEAD request has headers only.</summary>
/// <remarks>An answer holds what the services recorded (paths, attributes, exception messages). Without
/// <c>no-store</c> a shared cache may keep one reader's answer (RFC 9111 section 4.2.2 allows heuristic freshness
/// for a 200) and hand it to a caller the endpoint's authorization turns away, and a browser keeps it on disk after the
/// reader has left.</remarks>
internal static class TracingApiEndpointFilter
{
    public static ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        TracingSelfRequests.DoNotRecord(http);
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        if (HttpMethods.IsHead(http.Request.Method))
        {
            // Kestrel, IIS and HTTP.sys drop a HEAD answer's content themselves; not every server does (TestServer).
            http.Response.Body = Stream.Null;
        }

        return next(context);
    }
}
