namespace Propagation.Middleware;

/// <summary>Per-client overrides for the handler added by <c>AddTraceHeaders</c>; unset values follow <see cref="TracingOptions"/>.</summary>
public sealed class TraceHeadersOptions
{
    /// <summary>Gets or sets how much context this client sends, whatever the destination host.</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="TracingOptions.OutboundDestinations"/> decides per host.</value>
    public InjectionScope? Scope { get; set; }

    /// <summary>Gets or sets a value indicating whether trace headers set by the caller are overwritten.</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="TracingOptions.OverwriteCallerHeaders"/>.</value>
    public bool? OverwriteCallerHeaders { get; set; }
}
