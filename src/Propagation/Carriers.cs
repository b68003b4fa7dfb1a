using System.Net.Http.Headers;

namespace Propagation;

/// <summary>Cached getters and setters for the carriers the BCL provides.</summary>
public static class Carriers
{
    /// <summary>Reads a header from a string dictionary (one line per key), matching the name case-insensitively.</summary>
    /// <remarks>
    /// A <see cref="Dictionary{TKey, TValue}"/> created with <see cref="StringComparer.OrdinalIgnoreCase"/> is read with one
    /// lookup. Any other dictionary (a plain <c>new Dictionary&lt;string, string&gt;()</c> compares keys ordinally) is
    /// searched for every key equal to the name ignoring case, so <c>x-trace-id</c> is found for <c>X-Trace-ID</c>, and
    /// keys that differ only in casing are returned as several lines of one header.
    /// </remarks>
    public static HeaderGetter<IDictionary<string, string>> DictionaryGetter { get; } = static (carrier, name) =>
    {
        if (IsOrdinalIgnoreCase(carrier))
        {
            return carrier.TryGetValue(name, out var value) ? new HeaderValues(value) : default;
        }

        return carrier is Dictionary<string, string> dictionary ? FindIgnoringCase(dictionary, name) : FindIgnoringCase(carrier, name);
    };

    /// <summary>Writes a header to a string dictionary, replacing any value under that name in any casing.</summary>
    /// <remarks>
    /// In a dictionary that is not a <see cref="Dictionary{TKey, TValue}"/> created with
    /// <see cref="StringComparer.OrdinalIgnoreCase"/>, keys equal to the name ignoring case are removed first, so a
    /// copied <c>x-trace-id</c> does not stay beside the <c>X-Trace-ID</c> written.
    /// </remarks>
    public static HeaderSetter<IDictionary<string, string>> DictionarySetter { get; } = static (carrier, name, value) =>
    {
        if (!IsOrdinalIgnoreCase(carrier))
        {
            RemoveOtherCasings(carrier, name);
        }

        carrier[name] = value;
    };

    /// <summary>Reads a header from <see cref="HttpHeaders"/> (for example <see cref="HttpRequestHeaders"/>), every line.</summary>
    public static HeaderGetter<HttpHeaders> HttpHeadersGetter { get; } = static (carrier, name) =>
    {
        if (!carrier.NonValidated.TryGetValues(name, out var values))
        {
            return default;
        }

        return values.Count switch
        {
            0 => default,
            1 => new HeaderValues(GetFirst(values)),
            _ => new HeaderValues(ToArray(values)),
        };
    };

    /// <summary>Writes a header to <see cref="HttpHeaders"/>, replacing any existing lines.</summary>
    public static HeaderSetter<HttpHeaders> HttpHeadersSetter { get; } = static (carrier, name, value) =>
    {
        carrier.Remove(name);
        carrier.TryAddWithoutValidation(name, value);
    };

    private static bool IsOrdinalIgnoreCase(IDictionary<string, string> carrier) =>
        carrier is Dictionary<string, string> dictionary && ReferenceEquals(dictionary.Comparer, StringComparer.OrdinalIgnoreCase);

    // Dictionary<,>'s own enumerator is a struct: searching a plain dictionary allocates nothing unless a header is on several keys.
    private static HeaderValues FindIgnoringCase(Dictionary<string, string> carrier, string name)
    {
        var lines = default(Lines);
        foreach (var (key, value) in carrier)
        {
            lines.AddIfNamed(key, name, value);
        }

        return lines.ToValues();
    }

    private static HeaderValues FindIgnoringCase(IDictionary<string, string> carrier, string name)
    {
        var lines = default(Lines);
        foreach (var (key, value) in carrier)
        {
            lines.AddIfNamed(key, name, value);
        }

        return lines.ToValues();
    }

    private static void RemoveOtherCasings(IDictionary<string, string> carrier, string name)
    {
        List<string>? stale = null;
        foreach (var key in carrier.Keys)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase) && !string.Equals(key, name, StringComparison.Ordinal))
            {
                (stale ??= []).Add(key);
            }
        }

        if (stale is not null)
        {
            foreach (var key in stale)
            {
                carrier.Remove(key);
            }
        }
    }

    private static string? GetFirst(HeaderStringValues values)
    {
        foreach (var value in values)
        {
            return value;
        }

        return null;
    }

    private static string?[] ToArray(HeaderStringValues values)
    {
        var result = new string?[values.Count];
        var i = 0;
        foreach (var value in values)
        {
            result[i++] = value;
        }

        return result;
    }

    /// <summary>The values found under a name in any casing: one without an allocation, several in a list.</summary>
    private struct Lines
    {
        private string? _first;
        private List<string?>? _more;

        public void AddIfNamed(string key, string name, string? value)
        {
            if (!string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            if (_first is null && _more is null)
            {
                _first = value;
            }
            else
            {
                (_more ??= [_first]).Add(value);
            }
        }

        public readonly HeaderValues ToValues() =>
            _more is not null ? new HeaderValues(_more.ToArray()) : _first is not null ? new HeaderValues(_first) : default;
    }
}
