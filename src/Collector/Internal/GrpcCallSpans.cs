using System.Diagnostics;

namespace Propagation.Collector.Internal;

/// <summary>
/// Recognises the span of a gRPC call traced by the client interceptor and the HTTP/2 request that carries it, for the
/// places that must not give that request a second client span: the <c>AddTraceHeaders</c> handler, the propagator of
/// factory clients (both in the middleware) and the pipeline's export processor.
/// </summary>
internal static class GrpcCallSpans
{
    /// <summary>The client interceptor's source (<c>GrpcTracingConventions.ActivitySourceName</c>).</summary>
    public const string SourceName = "Propagation.Grpc";

    /// <summary>
    /// grpc-dotnet's activity for each call, a child of the current activity (the interceptor's span), current while the
    /// channel sends the call's request; no pipeline exports it.
    /// </summary>
    public const string GrpcNetClientActivityName = "Grpc.Net.Client.GrpcOut";

    /// <summary>HttpClient's own activity for a request (<c>System.Net.Http</c>'s diagnostics handler).</summary>
    public const string HttpClientActivityName = "System.Net.Http.HttpRequestOut";

    /// <summary>
    /// The activity a span started now should have as its parent: <paramref name="activity"/>, or its parent when it is
    /// grpc-dotnet's per-call activity (which no pipeline exports, so a child of it would be an orphan).
    /// </summary>
    public static Activity? ThroughGrpcNetClient(Activity? activity) =>
        activity is { Parent: { } parent } && string.Equals(activity.OperationName, GrpcNetClientActivityName, StringComparison.Ordinal)
            ? parent
            : activity;

    /// <summary>
    /// The interceptor's client span that <paramref name="activity"/> is, or whose grpc-dotnet per-call activity it is;
    /// else <see langword="null"/>. Running or not: the caller decides.
    /// </summary>
    public static Activity? FindCall(Activity? activity) =>
        ThroughGrpcNetClient(activity) is { Kind: ActivityKind.Client } call && string.Equals(call.Source.Name, SourceName, StringComparison.Ordinal)
            ? call
            : null;

    /// <summary>
    /// Whether a request path ends with <c>/</c> and a call's span name, <c>package.Service/Method</c> (its operation
    /// name, set at creation): a channel sends a call to <c>/package.Service/Method</c>, under its address's path base
    /// if it has one.
    /// </summary>
    public static bool EndsWithMethod(ReadOnlySpan<char> path, string spanName) =>
        spanName.Length > 0
        && path.Length > spanName.Length
        && path[path.Length - spanName.Length - 1] == '/'
        && path.EndsWith(spanName, StringComparison.Ordinal);
}
