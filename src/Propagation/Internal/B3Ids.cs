namespace Propagation.Internal;

/// <summary>The outcome of reading B3 headers.</summary>
internal enum B3Outcome
{
    /// <summary>No B3 header (or only an accept/debug decision without ids).</summary>
    Absent,

    /// <summary>A valid context.</summary>
    Valid,

    /// <summary>Only a deny decision (<c>b3: 0</c> or <c>X-B3-Sampled: 0</c>) without ids.</summary>
    DenyOnly,

    /// <summary>Present but invalid.</summary>
    Invalid,
}

/// <summary>Id and sampling-state parsing shared by the two B3 encodings (openzipkin/b3-propagation).</summary>
internal static class B3Ids
{
    /// <summary>Parses a trace id: 32 or 16 lower-hex characters (16 are left-padded with zeros). All zeros rejected.</summary>
    public static bool TryParseTraceId(ReadOnlySpan<char> value, out TraceId traceId)
    {
        traceId = default;
        if (value.Length == TraceId.HexLength)
        {
            return TraceId.TryParse(value, allowUppercase: false, out traceId);
        }

        if (value.Length == 16 && Hex.TryParseUInt64(value, allowUppercase: false, out var low) && low != 0)
        {
            traceId = new TraceId(0, low);
            return true;
        }

        return false;
    }

    /// <summary>Parses a span id: exactly 16 lower-hex characters, not all zeros.</summary>
    public static bool TryParseSpanId(ReadOnlySpan<char> value, out SpanId spanId) =>
        SpanId.TryParse(value, allowUppercase: false, out spanId);
}
