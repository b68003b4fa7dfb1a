using Propagation.Internal;

namespace Propagation;

/// <summary>
/// Parses and formats the W3C Trace Context Level 2 <c>traceparent</c> header value
/// (<c>version "-" trace-id "-" parent-id "-" trace-flags</c>) without allocating.
/// </summary>
/// <remarks>
/// <para>Parsing is strict where the specification is strict and forgiving where it allows it:</para>
/// <list type="bullet">
/// <item>version <c>ff</c> is invalid; version <c>00</c> must be exactly 55 characters;</item>
/// <item>a future version (<c>01</c>-<c>fe</c>) is parsed best-effort from its first 55 characters,
/// which must be followed by the end of the value or a <c>-</c>; it is re-emitted as version <c>00</c>;</item>
/// <item>hex digits are lowercase only; an all-zero trace id or parent id is invalid;</item>
/// <item>optional whitespace (spaces and tabs) around the value is ignored;</item>
/// <item>only the <see cref="TraceFlags.Sampled"/> and <see cref="TraceFlags.Random"/> flag bits are kept.</item>
/// </list>
/// <para>Values longer than <see cref="MaxLength"/> are rejected before any other work.</para>
/// </remarks>
public static class TraceParent
{
    /// <summary>The header name, <c>traceparent</c>.</summary>
    public const string HeaderName = "traceparent";

    /// <summary>The length of a version-00 value, and of every value this library writes: 55 characters.</summary>
    public const int Length = 55;

    /// <summary>The longest raw value (before trimming whitespace) that is looked at: 512 characters.</summary>
    public const int MaxLength = 512;

    /// <summary>The flag bits this library propagates; every other bit is zeroed.</summary>
    public const TraceFlags KnownFlags = TraceFlags.Sampled | TraceFlags.Random;

    /// <summary>Parses a <c>traceparent</c> value.</summary>
    /// <param name="value">The raw header value.</param>
    /// <param name="traceId">The trace id; <see langword="default"/> on failure.</param>
    /// <param name="parentId">The caller's span id (<c>parent-id</c>); <see langword="default"/> on failure.</param>
    /// <param name="flags">The known flag bits; <see cref="TraceFlags.None"/> on failure.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> is a valid <c>traceparent</c>.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, out TraceId traceId, out SpanId parentId, out TraceFlags flags) =>
        Parse(value, out traceId, out parentId, out flags) == PropagationIssues.None;

    /// <summary>Formats a version-00 <c>traceparent</c> value (55 characters).</summary>
    /// <param name="traceId">The trace id; must not be empty.</param>
    /// <param name="parentId">The span id of the span that sends the request; must not be empty.</param>
    /// <param name="flags">The flags; bits other than <see cref="KnownFlags"/> are zeroed.</param>
    /// <returns>The header value, for example <c>00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01</c>.</returns>
    /// <exception cref="ArgumentException">An id is empty (all zeros), which no W3C header may carry.</exception>
    public static string Format(TraceId traceId, SpanId parentId, TraceFlags flags)
    {
        ThrowIfEmpty(traceId, parentId);
        return string.Create(Length, (traceId, parentId, flags), static (span, state) => Write(span, state.traceId, state.parentId, state.flags));
    }

    /// <summary>Formats a version-00 <c>traceparent</c> value into <paramref name="destination"/>.</summary>
    /// <param name="traceId">The trace id; must not be empty.</param>
    /// <param name="parentId">The span id of the span that sends the request; must not be empty.</param>
    /// <param name="flags">The flags; bits other than <see cref="KnownFlags"/> are zeroed.</param>
    /// <param name="destination">The buffer to write.</param>
    /// <param name="charsWritten"><see cref="Length"/> on success, 0 otherwise.</param>
    /// <returns><see langword="false"/> when <paramref name="destination"/> is shorter than <see cref="Length"/>.</returns>
    /// <exception cref="ArgumentException">An id is empty (all zeros).</exception>
    public static bool TryFormat(TraceId traceId, SpanId parentId, TraceFlags flags, Span<char> destination, out int charsWritten)
    {
        ThrowIfEmpty(traceId, parentId);
        if (destination.Length < Length)
        {
            charsWritten = 0;
            return false;
        }

        Write(destination, traceId, parentId, flags);
        charsWritten = Length;
        return true;
    }

    /// <summary>Parses a value with the <c>traceparent</c> syntax and says why it was rejected.</summary>
    /// <returns><see cref="PropagationIssues.None"/> on success; otherwise <see cref="PropagationIssues.TraceParentInvalid"/>,
    /// with <see cref="PropagationIssues.HeaderTooLong"/> when the value was over <see cref="MaxLength"/>.</returns>
    internal static PropagationIssues Parse(ReadOnlySpan<char> value, out TraceId traceId, out SpanId parentId, out TraceFlags flags)
    {
        traceId = default;
        parentId = default;
        flags = TraceFlags.None;

        // Hard bound before any work: nothing valid is anywhere near this long.
        if (value.Length > MaxLength)
        {
            return PropagationIssues.HeaderTooLong | PropagationIssues.TraceParentInvalid;
        }

        // RFC 7230 §3.2 / W3C Trace Context §3.2.2: OWS around the field value is not part of it.
        value = W3CText.TrimOws(value);
        if (value.Length < Length)
        {
            return PropagationIssues.TraceParentInvalid;
        }

        // §3.2.2.1 version: 2 lowercase hex digits; §3.2.2.2: "ff" is forbidden.
        var version = W3CText.ParseLowerHex2(value[0], value[1]);
        if (version < 0 || version == 0xFF)
        {
            return PropagationIssues.TraceParentInvalid;
        }

        // §3.2.4 Versioning: version 00 is exactly 55 characters. A higher version is parsed from its
        // first 55 characters, which must be followed by the end of the value or a "-".
        if (version == 0 ? value.Length != Length : value.Length > Length && value[Length] != '-')
        {
            return PropagationIssues.TraceParentInvalid;
        }

        // §3.2.2 exact delimiters: "-" after the version, the trace-id and the parent-id.
        if (value[2] != '-' || value[35] != '-' || value[52] != '-')
        {
            return PropagationIssues.TraceParentInvalid;
        }

        // §3.2.2.3 trace-id: 32 lowercase hex digits, not all zeros.
        // §3.2.2.4 parent-id: 16 lowercase hex digits, not all zeros.
        // §3.2.2.5 trace-flags: 2 lowercase hex digits.
        if (!W3CText.TryParseLowerHex16(value[3..], out var high)
            || !W3CText.TryParseLowerHex16(value[19..], out var low)
            || !W3CText.TryParseLowerHex16(value[36..], out var span)
            || (high | low) == 0
            || span == 0)
        {
            return PropagationIssues.TraceParentInvalid;
        }

        var rawFlags = W3CText.ParseLowerHex2(value[53], value[54]);
        if (rawFlags < 0)
        {
            return PropagationIssues.TraceParentInvalid;
        }

        // §3.2.2.5 trace-flags is a bit field; §3.2.2.6 sampled (0x01) and §3.2.2.7 random (0x02) are
        // defined; unknown bits are ignored on input and never propagated.
        traceId = new TraceId(high, low);
        parentId = new SpanId(span);
        flags = (TraceFlags)rawFlags & KnownFlags;
        return PropagationIssues.None;
    }

    /// <summary>Writes <c>00-{trace-id}-{parent-id}-{flags}</c>; <paramref name="destination"/> holds at least 55 characters.</summary>
    internal static void Write(Span<char> destination, TraceId traceId, SpanId parentId, TraceFlags flags)
    {
        // §3.2.4: we always emit version 00, the version whose format we know.
        destination[0] = '0';
        destination[1] = '0';
        destination[2] = '-';
        traceId.WriteHex(destination[3..]);
        destination[35] = '-';
        parentId.WriteHex(destination[36..]);
        destination[52] = '-';
        W3CText.WriteLowerHex2((int)(flags & KnownFlags), destination[53..]);
    }

    private static void ThrowIfEmpty(TraceId traceId, SpanId parentId)
    {
        if (traceId.IsEmpty)
        {
            throw new ArgumentException("The trace id is all zeros, which W3C Trace Context forbids; pass the id of a real trace.", nameof(traceId));
        }

        if (parentId.IsEmpty)
        {
            throw new ArgumentException("The parent id is all zeros, which W3C Trace Context forbids; pass the id of the span that sends the request.", nameof(parentId));
        }
    }
}
