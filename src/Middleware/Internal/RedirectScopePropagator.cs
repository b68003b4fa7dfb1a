using System.Diagnostics;

namespace Propagation.Middleware.Internal;

/// <summary>
/// The destination policy on each hop of an automatic redirect, for a client with <c>AddTraceHeaders</c>.
/// </summary>
/// <remarks>
/// <para>The tracing handler injects once, for the request's first destination; a primary handler that follows
/// redirects itself (<see cref="SocketsHttpHandler.AllowAutoRedirect"/>) then resends the same message, with those
/// headers, to wherever the redirect points. <see cref="SocketsHttpHandler"/> calls its
/// <see cref="SocketsHttpHandler.ActivityHeadersPropagator"/> once per hop with the message, whose
/// <see cref="HttpRequestMessage.RequestUri"/> is the hop's: this propagator writes nothing, and removes what the
/// hop's host may not receive when its scope is narrower than the one the handler injected for.</para>
/// <para>HttpClient's own activity for the hop, which it passes here, is marked not recorded: the tracing handler's
/// span is the request's one client span.</para>
/// <para>Installed only where it matters: the client follows redirects and its scope depends on the host (no
/// per-client <see cref="TraceHeadersOptions.Scope"/>, and host rules in
/// <see cref="TracingOptions.OutboundDestinations"/>). Elsewhere the primary handler's propagator is
/// <see langword="null"/>, and HttpClient starts no activity at all.</para>
/// </remarks>
internal sealed class RedirectScopePropagator : DistributedContextPropagator
{
    private readonly DestinationPolicy _destinations;

    private RedirectScopePropagator(DestinationPolicy destinations) => _destinations = destinations;

    /// <summary>
    /// Gets no fields: <see cref="SocketsHttpHandler"/> removes a propagator's fields before each redirected hop, and
    /// the trace headers here are the tracing handler's (or the caller's), not this propagator's.
    /// </summary>
    public override IReadOnlyCollection<string> Fields => [];

    /// <summary>The guard for a client, or <see langword="null"/> when every host gets the same scope.</summary>
    public static RedirectScopePropagator? For(TracingService service, InjectionScope? clientScope) =>
        clientScope is null && service.Destinations.DependsOnHost ? new RedirectScopePropagator(service.Destinations) : null;

    /// <summary>Whether <paramref name="propagator"/> is a guard over the same destination policy (one app's, built for another client).</summary>
    public bool SameAs(DistributedContextPropagator propagator) =>
        propagator is RedirectScopePropagator other && ReferenceEquals(other._destinations, _destinations);

    /// <inheritdoc/>
    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (activity is not null)
        {
            TracingService.Unrecord(activity);
        }

        if (carrier is not HttpRequestMessage request)
        {
            return;
        }

        var scope = _destinations.Resolve(request.RequestUri);
        // The scope is this message's only when its own attempt injected last: hedged clones share the state, and one
        // to another host may have injected since. Otherwise the widest is assumed, so the hop gets no more than it may.
        var injectedFor = request.Options.TryGetValue(TraceHeadersHandler.AttemptsKey, out var state) && ReferenceEquals(state.ScopeOwner, request)
            ? state.Scope
            : InjectionScope.Full;

        // InjectionScope grows narrower with its value: Full, TraceParentOnly, None.
        if (scope > injectedFor)
        {
            TraceHeadersHandler.RemoveBeyondScope(request.Headers, scope);
        }
    }

    /// <inheritdoc/>
    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        traceId = null;
        traceState = null;
    }

    /// <inheritdoc/>
    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) => null;
}
