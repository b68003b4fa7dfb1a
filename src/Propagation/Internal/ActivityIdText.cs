using System.Buffers;
using System.Diagnostics;

namespace Propagation.Internal;

/// <summary>
/// The id strings an <see cref="Activity"/> with W3C ids already holds, reused for injection when they are
/// exactly what the codecs would format (lowercase hex of the same ids), so injecting from an activity
/// allocates no second copy of them.
/// </summary>
/// <remarks>
/// <see cref="Activity.Id"/> of a W3C activity is its <c>traceparent</c>; the activity formats it once, on
/// first use or when it stops. Sending it as the header value means the string is made once per span
/// instead of twice.
/// </remarks>
internal readonly struct ActivityIdText
{
    private static readonly SearchValues<char> LowerHexDigits = SearchValues.Create("0123456789abcdef");

    private readonly Activity? _activity;

    private ActivityIdText(Activity activity, string traceId, string spanId)
    {
        _activity = activity;
        TraceId = traceId;
        SpanId = spanId;
    }

    /// <summary>Gets the 32 lowercase hex digits of the trace id, or <see langword="null"/> when not reusable.</summary>
    public string? TraceId { get; }

    /// <summary>Gets the 16 lowercase hex digits of the span id, or <see langword="null"/> when not reusable.</summary>
    public string? SpanId { get; }

    /// <summary>Reads the id strings of <paramref name="activity"/>; empty when it has no W3C ids in canonical form.</summary>
    public static ActivityIdText From(Activity activity)
    {
        if (activity.IdFormat != ActivityIdFormat.W3C)
        {
            return default;
        }

        var traceId = activity.TraceId.ToHexString();
        var spanId = activity.SpanId.ToHexString();
        if (traceId.Length != Propagation.TraceId.HexLength
            || spanId.Length != Propagation.SpanId.HexLength
            || traceId.AsSpan().ContainsAnyExcept(LowerHexDigits)
            || spanId.AsSpan().ContainsAnyExcept(LowerHexDigits))
        {
            return default;
        }

        return new ActivityIdText(activity, traceId, spanId);
    }

    /// <summary>
    /// Returns the activity's <see cref="Activity.Id"/> when it is the version-00 <c>traceparent</c> of these
    /// ids with <paramref name="flags"/>, otherwise <see langword="null"/> (the caller formats its own).
    /// </summary>
    public string? GetTraceParent(TraceFlags flags)
    {
        if (_activity is null || (flags & ~TraceFlags.Sampled) != 0)
        {
            return null;
        }

        var id = _activity.Id;
        if (id is null
            || id.Length != TraceParent.Length
            || !id.StartsWith("00-", StringComparison.Ordinal)
            || id[35] != '-'
            || id[52] != '-'
            || id[53] != '0'
            || id[54] != ((flags & TraceFlags.Sampled) != 0 ? '1' : '0')
            || !id.AsSpan(3, Propagation.TraceId.HexLength).SequenceEqual(TraceId)
            || !id.AsSpan(36, Propagation.SpanId.HexLength).SequenceEqual(SpanId))
        {
            return null;
        }

        return id;
    }
}
