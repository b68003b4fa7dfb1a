namespace Propagation.Collector;

/// <summary>A failed span with the exceptions recorded on it.</summary>
/// <param name="Span">The span: its status is error, or it recorded an exception event.</param>
/// <param name="Exceptions">Its <c>exception</c> events, in recording order (may be empty).</param>
public sealed record ErrorSpan(StoredSpan Span, IReadOnlyList<ExceptionInfo> Exceptions);
