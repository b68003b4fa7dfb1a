namespace Propagation.Collector;

/// <summary>A link from a stored span to another span, possibly in another trace.</summary>
/// <param name="TraceId">The linked trace id: 32 lowercase hex characters.</param>
/// <param name="SpanId">The linked span id: 16 lowercase hex characters.</param>
/// <param name="Attributes">The link attributes.</param>
public sealed record SpanLink(string TraceId, string SpanId, IReadOnlyList<SpanTag> Attributes);
