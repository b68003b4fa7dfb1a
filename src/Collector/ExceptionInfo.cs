namespace Propagation.Collector;

/// <summary>An exception recorded on a span as an <c>exception</c> event.</summary>
/// <param name="Type">The <c>exception.type</c> attribute, or <see langword="null"/>.</param>
/// <param name="Message">The <c>exception.message</c> attribute, or <see langword="null"/>.</param>
/// <param name="StackTrace">The <c>exception.stacktrace</c> attribute, or <see langword="null"/>.</param>
/// <param name="Timestamp">When the event was recorded.</param>
public sealed record ExceptionInfo(string? Type, string? Message, string? StackTrace, DateTimeOffset Timestamp);
