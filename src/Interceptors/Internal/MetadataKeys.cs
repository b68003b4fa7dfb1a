namespace Propagation.Interceptors;

/// <summary>
/// The header names the formats read and write, as the formats spell them and lowercase, each with an
/// index (below 32), so metadata can be scanned once per call and injection does not lowercase per call.
/// </summary>
internal static class MetadataKeys
{
    /// <summary>The names as the formats pass them (the <c>Propagation</c> constants, so reference equality finds them first).</summary>
    private static readonly string[] Names =
    [
        TraceParent.HeaderName, TraceState.HeaderName, BaggageFormat.HeaderName, LegacyFormat.TraceIdHeader,
        LegacyFormat.SpanIdHeader, B3SingleFormat.HeaderName, B3Format.TraceIdHeader, B3Format.SpanIdHeader,
        B3Format.ParentSpanIdHeader, B3Format.SampledHeader, B3Format.FlagsHeader, TraceResponse.HeaderName,
    ];

    private static readonly string[] Lowercase = CreateLowercase();

    // Indexes into Names of the two known names that are not trace headers.
    private const int BaggageIndex = 2;
    private const int TraceResponseIndex = 11;

    // The indexes of the known names of each length.
    private static readonly int[][] ByLength = CreateByLength();

    /// <summary>Returns <paramref name="name"/> lowercased (ASCII); the known trace header names are not allocated.</summary>
    public static string ToLowercase(string name)
    {
        var index = IndexOf(name);
        if (index >= 0)
        {
            return Lowercase[index];
        }

        return IsLowercase(name) ? name : name.ToLowerInvariant();
    }

    /// <summary>Returns the lowercase form of the known name at <paramref name="index"/> (from <see cref="IndexOf"/>).</summary>
    public static string LowercaseAt(int index) => Lowercase[index];

    /// <summary>Returns whether a metadata key equals a name ignoring ASCII case; an ordinal match (lowercase keys, lowercase name) is checked first.</summary>
    public static bool KeyEquals(string key, string name) =>
        key.Length == name.Length && (string.Equals(key, name, StringComparison.Ordinal) || string.Equals(key, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Returns the index of a known name (any casing), or -1: one length lookup, one character test, at most one comparison.</summary>
    public static int IndexOf(string name)
    {
        var length = name.Length;
        var candidates = ByLength;
        if ((uint)length >= (uint)candidates.Length)
        {
            return -1;
        }

        // The formats pass their constants and our own metadata keys are the lowercase instances, so a
        // reference check finds most names; otherwise one character filters before any string comparison.
        var indexes = candidates[length];
        for (var i = 0; i < indexes.Length; i++)
        {
            var index = indexes[i];
            if (ReferenceEquals(Names[index], name) || ReferenceEquals(Lowercase[index], name))
            {
                return index;
            }
        }

        var middle = length >> 1;
        for (var i = 0; i < indexes.Length; i++)
        {
            var index = indexes[i];
            var known = Names[index];
            if ((known[middle] | 0x20) == (name[middle] | 0x20)
                && (string.Equals(Lowercase[index], name, StringComparison.Ordinal) || string.Equals(known, name, StringComparison.OrdinalIgnoreCase)))
            {
                return index;
            }
        }

        return -1;
    }

    /// <summary>
    /// Returns whether the known name at <paramref name="index"/> (from <see cref="IndexOf"/>; -1 for none) is a trace
    /// header a caller can set on a request: traceparent, tracestate, the legacy ids or a B3 header (the HTTP side's list);
    /// baggage and traceresponse are not.
    /// </summary>
    public static bool IsTraceHeader(int index) => index >= 0 && index != BaggageIndex && index != TraceResponseIndex;

    /// <summary>Returns whether the known name at <paramref name="index"/> (from <see cref="IndexOf"/>) is <c>baggage</c>.</summary>
    public static bool IsBaggage(int index) => index == BaggageIndex;

    /// <summary>Returns whether a metadata key is binary (ends in <c>-bin</c>, any casing) without a culture-aware or span comparison.</summary>
    public static bool IsBinary(string key)
    {
        var length = key.Length;
        return length >= 4 && key[length - 4] == '-' && (key[length - 3] | 0x20) == 'b' && (key[length - 2] | 0x20) == 'i' && (key[length - 1] | 0x20) == 'n';
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

    private static int[][] CreateByLength()
    {
        var maxLength = 0;
        foreach (var name in Names)
        {
            maxLength = Math.Max(maxLength, name.Length);
        }

        var byLength = new int[maxLength + 1][];
        for (var length = 0; length <= maxLength; length++)
        {
            var indexes = new List<int>();
            for (var i = 0; i < Names.Length; i++)
            {
                if (Names[i].Length == length)
                {
                    indexes.Add(i);
                }
            }

            byLength[length] = [.. indexes];
        }

        return byLength;
    }

    private static string[] CreateLowercase()
    {
        var lowercase = new string[Names.Length];
        for (var i = 0; i < Names.Length; i++)
        {
            lowercase[i] = Names[i].ToLowerInvariant();
        }

        return lowercase;
    }
}
