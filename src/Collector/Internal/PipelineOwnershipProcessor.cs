using System.Diagnostics;
using OpenTelemetry;

namespace Propagation.Collector.Internal;

/// <summary>Forwards finished spans to the app's export processors only when the app owns them (see
/// <see cref="TracingOwnership"/>), and never HttpClient's own span of a traced gRPC call's request
/// (<see cref="IsGrpcCallTransport"/>).</summary>
/// <remarks>
/// Derived from <see cref="CompositeProcessor{T}"/> so the inner export processors still receive the tracer
/// provider (their exporters read the resource through it), flush and shutdown. Rule, applied at span end:
/// the nearest marked activity among the span and its in-process ancestors decides; marked with this app's owner
/// means export, with another owner means skip; no mark at all means export only when
/// <see cref="TracingPipelineOptions.ExportUnownedSpans"/> is on.
/// </remarks>
internal sealed class PipelineOwnershipProcessor : CompositeProcessor<Activity>
{
    private readonly TracingOwner _owner;
    private readonly bool _exportUnowned;

    public PipelineOwnershipProcessor(IEnumerable<BaseProcessor<Activity>> processors, TracingOwner owner, bool exportUnowned)
        : base(processors)
    {
        _owner = owner;
        _exportUnowned = exportUnowned;
    }

    public override void OnStart(Activity data)
    {
        // Ownership is only known once the host layer marked the server span; export processors ignore OnStart.
    }

    public override void OnEnd(Activity data)
    {
        // Unsampled spans are never exported: skip the parent walk for them.
        if (data.Recorded && !IsGrpcCallTransport(data) && IsExported(data))
        {
            base.OnEnd(data);
        }
    }

    /// <summary>
    /// Whether a span is HttpClient's own (<c>System.Net.Http</c>) for the HTTP/2 request of a gRPC call that the client
    /// interceptor traces: its parent is the interceptor's span (<c>Propagation.Grpc</c>, kind Client), directly or through
    /// grpc-dotnet's unexported per-call activity, and its <c>url.full</c> path ends with <c>/</c> and that span's name
    /// (<c>/package.Service/Method</c>). The interceptor's span is that request's client span and its metadata are the
    /// headers, so this one would be a second client span per call (an orphan under grpc-dotnet's activity). Clients
    /// from the factory already leave it unrecorded; this also covers a channel made without it
    /// (<c>GrpcChannel.ForAddress</c>), whose HttpClient keeps the process-wide propagator. Any other request made
    /// during the call (a token fetch) keeps its span.
    /// </summary>
    internal static bool IsGrpcCallTransport(Activity activity)
    {
        if (!string.Equals(activity.OperationName, GrpcCallSpans.HttpClientActivityName, StringComparison.Ordinal)
            || GrpcCallSpans.FindCall(activity.Parent) is not { } call
            || activity.GetTagItem("url.full") is not string url)
        {
            return false;
        }

        // The path: after the scheme's "//" and the authority, before a query.
        var scheme = url.IndexOf("//", StringComparison.Ordinal);
        var start = scheme < 0 ? -1 : url.IndexOf('/', scheme + 2);
        if (start < 0)
        {
            return false;
        }

        var path = url.AsSpan(start);
        var query = path.IndexOfAny('?', '#');
        if (query >= 0)
        {
            path = path[..query];
        }

        return GrpcCallSpans.EndsWithMethod(path, call.OperationName);
    }

    internal bool IsExported(Activity activity)
    {
        var owner = TracingOwnership.GetOwner(activity);
        return owner is null ? _exportUnowned : ReferenceEquals(owner, _owner);
    }
}
