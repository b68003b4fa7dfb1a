using System.Diagnostics;
using Propagation.Collector.Internal;

namespace Propagation.Middleware.Internal;

/// <summary>
/// The propagator <see cref="OutboundPropagatorFilter"/> gives factory clients without <c>AddTraceHeaders</c>: the app's
/// codecs, except for the HTTP/2 request of a gRPC call traced by the client interceptor (a client registered with
/// <c>AddGrpcClient(...).AddInterceptor&lt;TracingClientInterceptor&gt;()</c> only). That request is the call: the
/// interceptor's span is its client span and its metadata are its headers. HttpClient's own activity for it (a child of
/// that span, or of grpc-dotnet's per-call activity <c>Grpc.Net.Client.GrpcOut</c>, which no pipeline exports) is marked
/// not recorded, and nothing is injected (HttpClient's diagnostics only add headers the request lacks). The destination
/// policy still applies: the interceptor sees no channel address (a generated client names no host), so the host rules
/// of <see cref="TracingOptions.OutboundDestinations"/> are applied here, to the request's URI, removing what that host
/// may not receive, as the <c>AddTraceHeaders</c> handler does for a call's request. That holds for every gRPC request
/// (content type <c>application/grpc</c>), also one whose call has no span (the SDK disabled, nothing listening to the
/// interceptor's source), where the interceptor still sends the caller's context in the metadata.
/// </summary>
internal sealed class GrpcTransportPropagator : DistributedContextPropagator
{
    private readonly DistributedContextPropagator _inner;
    private readonly DestinationPolicy _destinations;

    // Whether some host gets less than the full context (a host rule, or DefaultOutboundScope): decided once, per call
    // only its outcome is read.
    private readonly bool _limitsSomeHost;

    public GrpcTransportPropagator(DistributedContextPropagator inner, DestinationPolicy destinations)
    {
        _inner = inner;
        _destinations = destinations;
        _limitsSomeHost = destinations.DependsOnHost || destinations.Resolve(null) != InjectionScope.Full;
    }

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> Fields => _inner.Fields;

    /// <inheritdoc/>
    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        // HttpClient passes its own activity when it made one, else Activity.Current.
        if (carrier is HttpRequestMessage request)
        {
            var tracedCall = activity is not null && TakeTracedCall(activity, request);

            // A call without its span (nothing listens to the interceptor's source) still carries the caller's context
            // in its metadata. The interceptor writes no more than the host may receive but keeps the caller's own
            // entries, so they are removed here for a host allowed less, also when every host is (DefaultOutboundScope):
            // only when every host gets full context is there nothing to check.
            if (_limitsSomeHost && (tracedCall || IsGrpc(request)))
            {
                TraceHeadersHandler.RemoveBeyondScope(request.Headers, _destinations.Resolve(request.RequestUri));
            }

            if (tracedCall)
            {
                return;
            }
        }

        _inner.Inject(activity, carrier, setter);
    }

    /// <inheritdoc/>
    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState) =>
        _inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);

    /// <inheritdoc/>
    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) =>
        _inner.ExtractBaggage(carrier, getter);

    /// <summary>
    /// Whether the request is the call of the interceptor's span (HttpClient's own activity for it is then marked not
    /// recorded): that span's metadata are the request's headers, nothing more is injected.
    /// </summary>
    private static bool TakeTracedCall(Activity activity, HttpRequestMessage request)
    {
        var httpClients = string.Equals(activity.OperationName, GrpcCallSpans.HttpClientActivityName, StringComparison.Ordinal);
        if ((httpClients ? activity.Parent : activity) is not { } context || TraceHeadersHandler.GrpcCallOf(context, request.RequestUri) is null)
        {
            return false;
        }

        if (httpClients)
        {
            TracingService.Unrecord(activity);
        }

        return true;
    }

    /// <summary>Whether the request is a gRPC call (<c>application/grpc</c>, <c>+proto</c> and gRPC-Web forms included).</summary>
    private static bool IsGrpc(HttpRequestMessage request) =>
        request.Content?.Headers.ContentType?.MediaType is { } type
        && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
}
