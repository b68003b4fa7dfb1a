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

    /// <summary>
    /// Reads the context to inject from <paramref name="activity"/>. Its W3C hex id strings are parsed once: when
    /// they are canonical (lowercase hex, not all zeros) they are kept for reuse; otherwise the context comes from
    /// <see cref="PropagatedContext.FromActivity"/> and nothing is reused.
    /// </summary>
    public static ActivityIdText From(Activity activity, out PropagatedContext context)
    {
        if (activity.IdFormat == ActivityIdFormat.W3C)
        {
            var traceId = activity.TraceId.ToHexString();
            var spanId = activity.SpanId.ToHexString();
            if (Propagation.TraceId.TryParse(traceId, out var trace) && Propagation.SpanId.TryParse(spanId, out var span))
            {
                var flags = PropagatedContext.FromActivityFlags(activity.ActivityTraceFlags) | InheritedRandom(activity);
                context = new PropagatedContext(trace, span, flags, activity.TraceStateString, PropagationFormat.None);
                return new ActivityIdText(activity, traceId, spanId);
            }
        }

        context = PropagatedContext.FromActivity(activity);
        return default;
    }

    /// <summary>
    /// W3C Level 2's random-trace-id bit for <paramref name="activity"/>: its own, or its nearest local ancestor's. The bit
    /// describes the trace id, which a child shares, but an activity started under <see cref="Activity.Current"/> and
    /// sampled in takes only the sampled bit from its parent (the BCL's rule), so a client span under a server span that
    /// continued a random trace id would otherwise send the id without the bit.
    /// </summary>
    private static TraceFlags InheritedRandom(Activity activity)
    {
        for (var current = activity; current is not null; current = current.Parent)
        {
            if (((int)current.ActivityTraceFlags & (int)TraceFlags.Random) != 0)
            {
                return TraceFlags.Random;
            }
        }

        return TraceFlags.None;
    }

    /// <summary>
    /// Returns the activity's <see cref="Activity.Id"/> when it is the version-00 <c>traceparent</c> of these
    /// ids with <paramref name="flags"/>, otherwise <see langword="null"/> (the caller formats its own).
    /// </summary>
    public string? GetTraceParent(TraceFlags flags)
    {
        if (_activity is null || (flags & ~TraceParent.KnownFlags) != 0)
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
            || id[54] != (char)('0' + (int)flags)
            || !id.AsSpan(3, Propagation.TraceId.HexLength).SequenceEqual(TraceId)
            || !id.AsSpan(36, Propagation.SpanId.HexLength).SequenceEqual(SpanId))
        {
            return null;
        }

        return id;
    }
}
