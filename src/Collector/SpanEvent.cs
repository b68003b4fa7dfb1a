namespace Propagation.Collector;

/// <summary>An event recorded on a stored span, for example an <c>exception</c> event.</summary>
/// <param name="Name">The event name (<c>exception</c> for recorded exceptions).</param>
/// <param name="Timestamp">When the event happened.</param>
/// <param name="Attributes">The event attributes, for example <c>exception.type</c> and <c>exception.message</c>.</param>
public sealed record SpanEvent(string Name, DateTimeOffset Timestamp, IReadOnlyList<SpanTag> Attributes);
