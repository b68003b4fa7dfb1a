using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace Propagation.Middleware.Internal;

/// <summary>
/// Gives every <c>IHttpClientFactory</c> client of the app the app's propagator: HttpClient's own activity injects
/// headers through its primary handler's <see cref="SocketsHttpHandler.ActivityHeadersPropagator"/>, by default the
/// process-wide <see cref="DistributedContextPropagator.Current"/>. A client without <c>AddTraceHeaders</c> then writes
/// the app's formats, limited on each hop (redirects included) by the outbound destination policy. The HTTP/2 request of a
/// gRPC call traced by the client interceptor is left to the interceptor (<see cref="GrpcTransportPropagator"/>).
/// </summary>
/// <remarks>
/// Runs after all of a client's configuration, and changes only a propagator still at its default: clients with
/// <c>AddTraceHeaders</c> (whose primary handler's propagator is already turned off) and handlers given a propagator
/// by the app are left as they are. <see cref="DistributedContextPropagator.Current"/> itself is never changed.
/// </remarks>
internal sealed class OutboundPropagatorFilter : IHttpMessageHandlerBuilderFilter
{
    private readonly Lazy<DistributedContextPropagator> _propagator;

    public OutboundPropagatorFilter(IServiceProvider services)
    {
        // Resolved on the first client built, not with the factory: the tracing options are validated then.
        _propagator = new Lazy<DistributedContextPropagator>(() => Create(services.GetRequiredService<TracingService>()));
    }

    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return builder =>
        {
            next(builder);
            PrimaryHandlerDiagnostics.UseAppPropagator(builder.PrimaryHandler, _propagator);
        };
    }

    private static GrpcTransportPropagator Create(TracingService service)
    {
        var destinations = service.Destinations;
        return new GrpcTransportPropagator(new PropagationDistributedContextPropagator(
            service.Propagator,
            trustPolicy: null,
            injectionScope: carrier => carrier is HttpRequestMessage request ? destinations.Resolve(request.RequestUri) : InjectionScope.Full)
        {
            RecordHealth = false,
        },
        destinations);
    }
}
