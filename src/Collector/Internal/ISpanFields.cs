using System.Diagnostics;

namespace Propagation.Collector.Internal;

/// <summary>
/// The fields of a span that a <see cref="SpanQuery"/> filters on and <see cref="SpanOrder"/> sorts by, read either
/// from a <see cref="StoredSpan"/> (<see cref="StoredSpanFields"/>) or in place from a stored record
/// (<see cref="SpanRecordCodec.RecordFields"/>, which allocates nothing), so one matcher and one order serve both.
/// </summary>
internal interface ISpanFields
{
    ActivityKind Kind { get; }

    ActivityStatusCode Status { get; }

    DateTimeOffset StartTime { get; }

    TimeSpan Duration { get; }

    bool TraceIdEquals(string value);

    bool ServiceNameEquals(string value);

    bool NameEquals(string value);

    bool NameStartsWith(string prefix);

    /// <summary>Compares the trace id with <paramref name="other"/> ordinally (as <see cref="string.CompareOrdinal(string, string)"/>).</summary>
    int CompareTraceId(string? other);

    /// <summary>Compares the span id with <paramref name="other"/> ordinally (as <see cref="string.CompareOrdinal(string, string)"/>).</summary>
    int CompareSpanId(string? other);

    /// <summary>Returns whether any attribute has the expected key and a matching value.</summary>
    bool AnyAttributeMatches(in ExpectedAttribute expected);
}

/// <summary>The <see cref="ISpanFields"/> of a decoded span.</summary>
internal readonly struct StoredSpanFields : ISpanFields
{
    private readonly StoredSpan _span;

    public StoredSpanFields(StoredSpan span) => _span = span;

    public ActivityKind Kind => _span.Kind;

    public ActivityStatusCode Status => _span.Status;

    public DateTimeOffset StartTime => _span.StartTime;

    public TimeSpan Duration => _span.Duration;

    public bool TraceIdEquals(string value) => string.Equals(_span.TraceId, value, StringComparison.Ordinal);

    public bool ServiceNameEquals(string value) => string.Equals(_span.ServiceName, value, StringComparison.Ordinal);

    public bool NameEquals(string value) => string.Equals(_span.Name, value, StringComparison.Ordinal);

    public bool NameStartsWith(string prefix) => _span.Name.StartsWith(prefix, StringComparison.Ordinal);

    public int CompareTraceId(string? other) => string.CompareOrdinal(_span.TraceId, other);

    public int CompareSpanId(string? other) => string.CompareOrdinal(_span.SpanId, other);

    public bool AnyAttributeMatches(in ExpectedAttribute expected)
    {
        var attributes = _span.Attributes;
        for (var i = 0; i < attributes.Count; i++)
        {
            var attribute = attributes[i];
            if (string.Equals(attribute.Key, expected.Key, StringComparison.Ordinal) && expected.Matches(attribute.Value))
            {
                return true;
            }
        }

        return false;
    }
}
