using System.Net.Http.Headers;

namespace Propagation;

/// <summary>Cached getters and setters for the carriers the BCL provides.</summary>
public static class Carriers
{
    /// <summary>Reads a header from a string dictionary (one line per key).</summary>
    public static HeaderGetter<IDictionary<string, string>> DictionaryGetter { get; } =
        static (carrier, name) => carrier.TryGetValue(name, out var value) ? new HeaderValues(value) : default;

    /// <summary>Writes a header to a string dictionary, replacing any value.</summary>
    public static HeaderSetter<IDictionary<string, string>> DictionarySetter { get; } =
        static (carrier, name, value) => carrier[name] = value;

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
}
