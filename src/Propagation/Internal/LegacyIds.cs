namespace Propagation.Internal;

/// <summary>Parsing and formatting of the id forms the legacy <c>X-Trace-ID</c>/<c>X-Span-ID</c> pair carries.</summary>
internal static class LegacyIds
{
    /// <summary>The length of a UUID in its 8-4-4-4-12 form.</summary>
    public const int UuidLength = 36;

    /// <summary>
    /// Parses a trace id: 32 hex digits, a UUID (8-4-4-4-12), or 16 hex digits (left-padded with
    /// zeros to 128 bits). Upper and lower case are accepted. All zeros are rejected.
    /// </summary>
    public static bool TryParseTraceId(ReadOnlySpan<char> value, out TraceId traceId)
    {
        traceId = default;
        switch (value.Length)
        {
            case 16:
                if (!Hex.TryParseUInt64(value, allowUppercase: true, out var low16) || low16 == 0)
                {
                    return false;
                }

                traceId = new TraceId(0, low16);
                return true;

            case 32:
            case UuidLength:
                if (!TryParse128(value, out var high, out var low) || (high == 0 && low == 0))
                {
                    return false;
                }

                traceId = new TraceId(high, low);
                return true;

            default:
                return false;
        }
    }

    /// <summary>
    /// Parses a span id: 16 hex digits, or a 128-bit value (32 hex digits or a UUID) mapped to 64
    /// bits by taking its last 8 bytes, or its first 8 bytes when the last 8 are zero.
    /// Upper and lower case are accepted. All zeros are rejected.
    /// </summary>
    public static bool TryParseSpanId(ReadOnlySpan<char> value, out SpanId spanId)
    {
        spanId = default;
        switch (value.Length)
        {
            case 16:
                return SpanId.TryParse(value, allowUppercase: true, out spanId);

            case 32:
            case UuidLength:
                if (!TryParse128(value, out var high, out var low))
                {
                    return false;
                }

                var mapped = low != 0 ? low : high;
                if (mapped == 0)
                {
                    return false;
                }

                spanId = new SpanId(mapped);
                return true;

            default:
                return false;
        }
    }

    /// <summary>Formats a trace id as a lowercase UUID (8-4-4-4-12).</summary>
    public static string FormatUuid(TraceId traceId) =>
        string.Create(UuidLength, traceId, static (span, id) => WriteUuid(id.High, id.Low, span));

    /// <summary>
    /// Formats a span id as a lowercase UUID whose first 8 bytes are zero and last 8 bytes are the
    /// span id, so that <see cref="TryParseSpanId"/> maps it back to the same id.
    /// </summary>
    public static string FormatUuid(SpanId spanId) =>
        string.Create(UuidLength, spanId.Value, static (span, value) => WriteUuid(0, value, span));

    private static void WriteUuid(ulong high, ulong low, Span<char> destination)
    {
        Span<char> hex = stackalloc char[32];
        Hex.WriteUInt64(high, hex);
        Hex.WriteUInt64(low, hex[16..]);
        hex[..8].CopyTo(destination);
        destination[8] = '-';
        hex[8..12].CopyTo(destination[9..]);
        destination[13] = '-';
        hex[12..16].CopyTo(destination[14..]);
        destination[18] = '-';
        hex[16..20].CopyTo(destination[19..]);
        destination[23] = '-';
        hex[20..32].CopyTo(destination[24..]);
    }

    /// <summary>Parses 32 hex digits or a dashed UUID (dashes exactly at 8, 13, 18 and 23).</summary>
    private static bool TryParse128(ReadOnlySpan<char> value, out ulong high, out ulong low)
    {
        high = 0;
        low = 0;
        if (value.Length == 32)
        {
            return Hex.TryParseUInt64(value[..16], allowUppercase: true, out high)
                && Hex.TryParseUInt64(value[16..], allowUppercase: true, out low);
        }

        if (value.Length != UuidLength || value[8] != '-' || value[13] != '-' || value[18] != '-' || value[23] != '-')
        {
            return false;
        }

        // RFC 9562 section 4: 8-4-4-4-12 hex digits.
        Span<char> hex = stackalloc char[32];
        value[..8].CopyTo(hex);
        value[9..13].CopyTo(hex[8..]);
        value[14..18].CopyTo(hex[12..]);
        value[19..23].CopyTo(hex[16..]);
        value[24..].CopyTo(hex[20..]);
        return Hex.TryParseUInt64(hex[..16], allowUppercase: true, out high)
            && Hex.TryParseUInt64(hex[16..], allowUppercase: true, out low);
    }
}
