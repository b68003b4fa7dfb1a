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

    public bool Matches(StoredSpan span)
    {
        var q = _query;
        if (q.TraceId is not null && !string.Equals(span.TraceId, q.TraceId, StringComparison.Ordinal))
        {
            return false;
        }

        if (q.ServiceName is not null && !string.Equals(span.ServiceName, q.ServiceName, StringComparison.Ordinal))
        {
            return false;
        }

        if (q.OperationName is not null && !string.Equals(span.Name, q.OperationName, StringComparison.Ordinal))
        {
            return false;
        }

        if (q.OperationNamePrefix is not null && !span.Name.StartsWith(q.OperationNamePrefix, StringComparison.Ordinal))
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

        if (q.IsError is { } isError && span.IsError != isError)
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
            if (!expected.MatchesAny(span.Attributes))
            {
                return false;
            }
        }

        return true;
    }

    private readonly struct ExpectedAttribute
    {
        private readonly string _key;
        private readonly string _text;
        private readonly long? _integer;
        private readonly double? _number;
        private readonly bool? _boolean;

        private ExpectedAttribute(string key, string text, long? integer, double? number, bool? boolean)
        {
            _key = key;
            _text = text;
            _integer = integer;
            _number = number;
            _boolean = boolean;
        }

        public static ExpectedAttribute Parse(string key, string text)
        {
            long? integer = long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : null;
            double? number = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
            bool? boolean = bool.TryParse(text, out var b) ? b : null;
            return new ExpectedAttribute(key, text, integer, number, boolean);
        }

        public bool MatchesAny(IReadOnlyList<SpanTag> attributes)
        {
            for (var i = 0; i < attributes.Count; i++)
            {
                var attribute = attributes[i];
                if (string.Equals(attribute.Key, _key, StringComparison.Ordinal) && Matches(attribute.Value))
                {
                    return true;
                }
            }

            return false;
        }

        private bool Matches(object value) => value switch
        {
            string s => string.Equals(s, _text, StringComparison.Ordinal),
            long l => (_integer is { } i && i == l) || (_number is { } n && n == l),
            double d => _number is { } n && n.Equals(d),
            bool b => _boolean is { } expected && expected == b,
            _ => false,
        };
    }
}
