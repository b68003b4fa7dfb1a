namespace Propagation.Collector;

/// <summary>Cumulative propagation-health counters from one <see cref="IPropagationHealthSource"/>.</summary>
/// <remarks>Reason keys are short, fixed identifiers chosen by the source (for example <c>too-long</c>,
/// <c>invalid-character</c>, <c>zero-trace-id</c>); never raw header values.</remarks>
public sealed record PropagationHealthSnapshot
{
    /// <summary>Gets inbound trace headers rejected (treated as absent), by reason.</summary>
    /// <value>Defaults to empty.</value>
    public IReadOnlyDictionary<string, long> RejectedHeaders { get; init; } = new Dictionary<string, long>();

    /// <summary>Gets inbound headers accepted after trimming (e.g. tracestate members or baggage entries dropped over
    /// a limit), by reason.</summary>
    /// <value>Defaults to empty.</value>
    public IReadOnlyDictionary<string, long> TrimmedHeaders { get; init; } = new Dictionary<string, long>();

    /// <summary>Gets requests that carried several trace formats that disagreed.</summary>
    public long FormatConflicts { get; init; }

    /// <summary>Gets inbound contexts replaced by a new trace (e.g. untrusted caller, policy restart).</summary>
    public long RestartedContexts { get; init; }

    /// <summary>Gets inbound contexts ignored (valid but not used, e.g. disabled format).</summary>
    public long IgnoredContexts { get; init; }

    /// <summary>Gets requests that arrived with a context whose sampled flag was off.</summary>
    public long UnsampledInboundRequests { get; init; }
}
