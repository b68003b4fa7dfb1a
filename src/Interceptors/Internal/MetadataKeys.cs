using System.Collections.Frozen;

namespace Propagation.Interceptors;

/// <summary>Lowercase forms of the header names the formats write, so injection does not allocate them per call.</summary>
internal static class MetadataKeys
{
    private static readonly FrozenDictionary<string, string> Known = Build(
        "traceparent", "tracestate", "baggage", "X-Trace-ID", "X-Span-ID", "b3",
        "X-B3-TraceId", "X-B3-SpanId", "X-B3-ParentSpanId", "X-B3-Sampled", "X-B3-Flags", "traceresponse");

    /// <summary>Returns <paramref name="name"/> lowercased (ASCII); the known trace header names are cached.</summary>
    public static string ToLowercase(string name)
    {
        if (IsLowercase(name))
        {
            return name;
        }

        return Known.TryGetValue(name, out var lower) ? lower : name.ToLowerInvariant();
    }

    private static bool IsLowercase(string name)
    {
        foreach (var c in name)
        {
            if (c is >= 'A' and <= 'Z')
            {
                return false;
            }
        }

        return true;
    }

    private static FrozenDictionary<string, string> Build(params string[] names)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            map[name] = name.ToLowerInvariant();
        }

        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
