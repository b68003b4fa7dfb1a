using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Propagation.Collector.Internal.Api;

/// <summary>Reads and validates tracing API query parameters; remembers the first invalid one so the endpoint can
/// answer 400 naming it. Values are bounded and never echoed back.</summary>
internal sealed class QueryReader
{
    public const int MaxAttributeFilters = 16;
    public const string AttributePrefix = "attr.";

    private readonly IQueryCollection _query;

    /// <param name="query">The request's query.</param>
    /// <param name="maxTextLength">The longest text value accepted (<see cref="MaxTextLengthOf"/>).</param>
    public QueryReader(IQueryCollection query, int maxTextLength)
    {
        _query = query;
        MaxTextLength = maxTextLength;
    }

    /// <summary>Gets the longest text value (a name, an attribute key or value to match) accepted.</summary>
    public int MaxTextLength { get; }

    public string? InvalidParameter { get; private set; }

    public string? Problem { get; private set; }

    public bool IsValid => InvalidParameter is null;

    public string? Text(string name)
    {
        if (!TryGetSingle(name, out var value))
        {
            return null;
        }

        if (value.Length == 0 || value.Length > MaxTextLength)
        {
            return Fail<string>(name, $"must be 1 to {MaxTextLength} characters long.");
        }

        return value;
    }

    public int Integer(string name, int defaultValue, int min, int max)
    {
        if (!TryGetSingle(name, out var value))
        {
            return defaultValue;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result) || result < min || result > max)
        {
            Fail<string>(name, $"must be a whole number from {min} to {max}.");
            return defaultValue;
        }

        return result;
    }

    public TimeSpan? Milliseconds(string name)
    {
        if (!TryGetSingle(name, out var value))
        {
            return null;
        }

        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var ms) || !double.IsFinite(ms) || ms > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            Fail<string>(name, "must be a non-negative number of milliseconds.");
            return null;
        }

        return TimeSpan.FromMilliseconds(ms);
    }

    public DateTimeOffset? Time(string name)
    {
        if (!TryGetSingle(name, out var value))
        {
            return null;
        }

        // TryParse alone also reads the invariant culture's forms: "1/2/2026" as 2 January (not 1 February) and a
        // time alone ("12:00") as today. It only gets values that begin the way ISO 8601 ones do.
        if (value.Length > 64 || !StartsAsIso8601(value) ||
            !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            Fail<string>(name, "must be an ISO 8601 date and time, e.g. 2026-01-01T12:00:00Z.");
            return null;
        }

        return time;
    }

    public bool? Boolean(string name)
    {
        if (!TryGetSingle(name, out var value))
        {
            return null;
        }

        if (value.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (value.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Fail<string>(name, "must be true or false.");
        return null;
    }

    /// <summary>Reads one of a fixed set of case-insensitive words.</summary>
    public T? Choice<T>(string name, ReadOnlySpan<(string Word, T Value)> choices)
        where T : struct
    {
        if (!TryGetSingle(name, out var value))
        {
            return null;
        }

        foreach (var (word, result) in choices)
        {
            if (value.Equals(word, StringComparison.OrdinalIgnoreCase))
            {
                return result;
            }
        }

        var words = new string[choices.Length];
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = choices[i].Word;
        }

        Fail<string>(name, $"must be one of: {string.Join(", ", words)}.");
        return null;
    }

    public string? TraceId(string name)
    {
        if (!TryGetSingle(name, out var value))
        {
            return null;
        }

        return NormalizeTraceId(value) ?? Fail<string>(name, "must be 32 hexadecimal characters.");
    }

    /// <summary>Reads every <c>attr.KEY=VALUE</c> parameter.</summary>
    public Dictionary<string, string>? Attributes()
    {
        Dictionary<string, string>? result = null;
        foreach (var pair in _query)
        {
            // The prefix is a parameter name, and those are case-insensitive (the query collection's keys are); the key
            // after it is an attribute key, compared as given.
            if (!pair.Key.StartsWith(AttributePrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var key = pair.Key[AttributePrefix.Length..];
            // Keys are kept as given, not cut: bounded like the values, so a key the API lists can be filtered on.
            if (key.Length == 0 || key.Length > MaxTextLength)
            {
                return Fail<Dictionary<string, string>>(AttributePrefix + "*", $"attribute keys must be 1 to {MaxTextLength} characters long.");
            }

            if (pair.Value.Count != 1 || pair.Value[0] is not { Length: > 0 } value || value.Length > MaxTextLength)
            {
                // Named by the pattern, not the key: the key is the caller's text, and a problem document never repeats it.
                return Fail<Dictionary<string, string>>(AttributePrefix + "*", $"each attr.KEY filter must be given once, with a value 1 to {MaxTextLength} characters long.");
            }

            result ??= new Dictionary<string, string>(StringComparer.Ordinal);
            if (result.Count >= MaxAttributeFilters)
            {
                return Fail<Dictionary<string, string>>(AttributePrefix + "*", $"at most {MaxAttributeFilters} attribute filters are allowed.");
            }

            result[key] = value;
        }

        return result;
    }

    /// <summary>The longest text a filter of a store with these options accepts: the longest span name and attribute
    /// value the store keeps from an activity (<see cref="SpanStoreOptions.MaxAttributeValueLength"/>), and never less
    /// than its default, so every name the API lists can be filtered on. A longer value cannot match a converted span
    /// and gets a 400.</summary>
    public static int MaxTextLengthOf(SpanStoreOptions options) =>
        Math.Max(SpanStoreOptions.DefaultMaxAttributeValueLength, options.MaxAttributeValueLength);

    /// <summary>Lowercases a 32-hex-character trace id, or returns <see langword="null"/> when it is not one.</summary>
    public static string? NormalizeTraceId(string value)
    {
        if (value.Length != 32)
        {
            return null;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return null;
            }
        }

        return value.ToLowerInvariant();
    }

    /// <summary>Whether the value starts with an ISO 8601 calendar date, <c>YYYY-MM-DD</c>, alone or followed by a time
    /// of at least hours and minutes after <c>T</c> (or the space RFC 3339 section 5.6 allows).</summary>
    private static bool StartsAsIso8601(ReadOnlySpan<char> value)
    {
        if (value.Length < 10 || value[4] != '-' || value[7] != '-' ||
            value[..4].ContainsAnyExceptInRange('0', '9') || value[5..7].ContainsAnyExceptInRange('0', '9') || value[8..10].ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        return value.Length == 10 ||
            (value.Length >= 16 && value[10] is ('T' or 't' or ' ') && value[13] == ':' &&
             !value[11..13].ContainsAnyExceptInRange('0', '9') && !value[14..16].ContainsAnyExceptInRange('0', '9'));
    }

    private bool TryGetSingle(string name, out string value)
    {
        value = string.Empty;
        if (!_query.TryGetValue(name, out StringValues values) || values.Count == 0)
        {
            return false;
        }

        if (values.Count > 1)
        {
            Fail<string>(name, "must be given at most once.");
            return false;
        }

        value = values[0] ?? string.Empty;
        return true;
    }

    private T? Fail<T>(string name, string message)
        where T : class
    {
        if (InvalidParameter is null)
        {
            InvalidParameter = name;
            Problem = $"Query parameter '{name}' {message}";
        }

        return null;
    }
}
