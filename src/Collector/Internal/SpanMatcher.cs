using System.Diagnostics;
using System.Globalization;

namespace Propagation.Collector.Internal;

/// <summary>A <see cref="SpanQuery"/> prepared once per search: attribute values are parsed up front so matching a
/// span allocates nothing.</summary>
internal sealed class SpanMatcher
{
    private readonly SpanQuery _query;
    private readonly ExpectedAttribute[] _attributes;

    public SpanMatcher(SpanQuery query)
    {
        _query = query;
        if (query.Attributes is null || query.Attributes.Count == 0)
        {
            _attributes = [];
        }
        else
        {
            _attributes = new ExpectedAttribute[query.Attributes.Count];
            var i = 0;
            foreach (var pair in query.Attributes)
            {
                _attributes[i++] = ExpectedAttribute.Parse(pair.Key, pair.Value);
            }
        }
    }

    public bool Matches(StoredSpan span) => Matches(new StoredSpanFields(span));

    /// <summary>Returns whether the span's fields satisfy the query (read in place from a record, nothing is decoded).</summary>
    public bool Matches<TFields>(scoped in TFields span)
        where TFields : ISpanFields, allows ref struct
    {
        var q = _query;
        if (q.TraceId is not null && !span.TraceIdEquals(q.TraceId))
        {
            return false;
        }

        if (q.ServiceName is not null && !span.ServiceNameEquals(q.ServiceName))
        {
            return false;
        }

        if (q.OperationName is not null && !span.NameEquals(q.OperationName))
        {
            return false;
        }

        if (q.OperationNamePrefix is not null && !span.NameStartsWith(q.OperationNamePrefix))
        {
            return false;
        }

        if (q.Kind is { } kind && span.Kind != kind)
        {
            return false;
        }

        if (q.Status is { } status && span.Status != status)
        {
            return false;
        }

        if (q.IsError is { } isError && (span.Status == ActivityStatusCode.Error) != isError)
        {
            return false;
        }

        if ((q.MinDuration is { } min && span.Duration < min) || (q.MaxDuration is { } max && span.Duration > max))
        {
            return false;
        }

        if ((q.StartTimeFrom is { } from && span.StartTime < from) || (q.StartTimeTo is { } to && span.StartTime >= to))
        {
            return false;
        }

        foreach (var expected in _attributes)
        {
            if (!span.AnyAttributeMatches(expected))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>An attribute a query asks for: its key and its value as text, parsed once as a number and a boolean so
/// that typed attribute values compare without allocating.</summary>
internal readonly struct ExpectedAttribute
{
    private readonly string _text;
    private readonly long? _integer;
    private readonly double? _number;
    private readonly bool? _boolean;

    private ExpectedAttribute(string key, string text, long? integer, double? number, bool? boolean)
    {
        Key = key;
        _text = text;
        _integer = integer;
        _number = number;
        _boolean = boolean;
    }

    public string Key { get; }

    public static ExpectedAttribute Parse(string key, string text)
    {
        long? integer = long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : null;
        double? number = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
        bool? boolean = bool.TryParse(text, out var b) ? b : null;
        return new ExpectedAttribute(key, text, integer, number, boolean);
    }

    public bool Matches(object? value) => value switch
    {
        string s => string.Equals(s, _text, StringComparison.Ordinal),
        long l => MatchesLong(l),
        double d => MatchesDouble(d),
        bool b => MatchesBoolean(b),
        _ => false,
    };

    public bool MatchesText(in SpanRecordCodec.EncodedText text) => text.Equals(_text);

    // A whole number asked for is compared as one, exactly: as doubles, integers past 2^53 that differ by less than the
    // doubles' spacing there (ids, nanosecond times) would be equal, and long.MaxValue would equal 2^63.
    public bool MatchesLong(long value) => _integer is { } i ? i == value : _number is { } n && n == value;

    public bool MatchesDouble(double value) => _integer is { } i ? IsWholeLong(value) && (long)value == i : _number is { } n && n.Equals(value);

    /// <summary>Whether <paramref name="value"/> is a whole number in the range of <see cref="long"/>, so that it
    /// converts to one exactly.</summary>
    private static bool IsWholeLong(double value) =>
        value >= -9_223_372_036_854_775_808.0 && value < 9_223_372_036_854_775_808.0 && Math.Floor(value) == value;

    public bool MatchesBoolean(bool value) => _boolean is { } expected && expected == value;
}
