namespace Propagation;

/// <summary>How much context is sent to one outbound destination (the outbound destination policy).</summary>
public enum InjectionScope
{
    /// <summary>Every configured inject format, with <c>tracestate</c> and baggage.</summary>
    Full = 0,

    /// <summary>
    /// Only the W3C <c>traceparent</c> header, whatever the configured inject formats: no
    /// <c>tracestate</c>, no baggage, no legacy or B3 headers (for third parties). When no inject
    /// format is configured (<c>OTEL_PROPAGATORS=none</c>), nothing is injected.
    /// </summary>
    TraceParentOnly = 1,

    /// <summary>Nothing is injected.</summary>
    None = 2,
}
