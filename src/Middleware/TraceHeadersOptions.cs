namespace Propagation.Middleware;

/// <summary>Per-client overrides for the handler added by <c>AddTraceHeaders</c>; unset values follow <see cref="TracingOptions"/>.</summary>
public sealed class TraceHeadersOptions
{
    /// <summary>Gets or sets how much context this client sends, whatever the destination host.</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="TracingOptions.OutboundDestinations"/> decides per host.</value>
    /// <remarks>An undefined value fails validation, as <see cref="PeerService"/> does.</remarks>
    public InjectionScope? Scope { get; set; }

    /// <summary>Gets or sets a value indicating whether trace headers set by the caller are overwritten.</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="TracingOptions.OverwriteCallerHeaders"/>.</value>
    public bool? OverwriteCallerHeaders { get; set; }

    /// <summary>
    /// Gets or sets the name of the service this client calls (its <c>service.name</c>), recorded as
    /// <c>peer.service</c> on this client's spans.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no <c>peer.service</c> is recorded.</value>
    /// <remarks>
    /// <para>
    /// Set on each HTTP attempt span when it is created (so a sampler sees it) and on the gRPC client
    /// interceptor's span of every call sent through this client. The collector's dependency graph names
    /// the callee by it when the callee's spans are not in the same store; without it the callee is the
    /// span's <c>server.address</c>.
    /// </para>
    /// <para>
    /// Validated when the host starts (or, without a host, when the client is first created): a blank value,
    /// control characters or more than 256 characters fail with an
    /// <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming the client.
    /// </para>
    /// </remarks>
    public string? PeerService { get; set; }
}
