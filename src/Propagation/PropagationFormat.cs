namespace Propagation;

/// <summary>A header format that carries trace context or baggage.</summary>
public enum PropagationFormat
{
    /// <summary>No format.</summary>
    None = 0,

    /// <summary>W3C Trace Context Level 2: <c>traceparent</c> and <c>tracestate</c>.</summary>
    TraceContext = 1,

    /// <summary>W3C Baggage: <c>baggage</c>.</summary>
    Baggage = 2,

    /// <summary>The legacy pair <c>X-Trace-ID</c> / <c>X-Span-ID</c>.</summary>
    Legacy = 3,

    /// <summary>B3 multi-header: <c>X-B3-TraceId</c>, <c>X-B3-SpanId</c>, <c>X-B3-ParentSpanId</c>, <c>X-B3-Sampled</c>, <c>X-B3-Flags</c>.</summary>
    B3 = 4,

    /// <summary>B3 single header: <c>b3</c>.</summary>
    B3Single = 5,
}
