namespace Propagation.Collector;

/// <summary>A point-in-time view of a <see cref="SpanStore"/>'s counts and counters.</summary>
/// <param name="SpanCount">Spans currently stored.</param>
/// <param name="TraceCount">Traces currently stored.</param>
/// <param name="AcceptedSpanCount">Spans accepted since start (stored, whether or not evicted since).</param>
/// <param name="EvictedSpanCount">Spans removed by eviction (span, trace or age bound) since start.</param>
/// <param name="EvictedTraceCount">Traces removed by eviction since start.</param>
/// <param name="DroppedSpanCount">Spans never stored: over the per-trace cap, or without a trace or span id.</param>
/// <param name="MaxSpans">The configured span bound.</param>
/// <param name="MaxTraces">The configured trace bound.</param>
/// <param name="MaxSpansPerTrace">The configured per-trace cap.</param>
/// <param name="MaxAge">The configured age bound.</param>
public sealed record SpanStoreStatistics(
    int SpanCount,
    int TraceCount,
    long AcceptedSpanCount,
    long EvictedSpanCount,
    long EvictedTraceCount,
    long DroppedSpanCount,
    int MaxSpans,
    int MaxTraces,
    int MaxSpansPerTrace,
    TimeSpan MaxAge);
