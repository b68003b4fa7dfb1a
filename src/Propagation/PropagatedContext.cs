using System.Diagnostics;

namespace Propagation;

/// <summary>
/// The trace context one format extracted from a carrier, held without allocation.
/// Convert it with <see cref="ToActivityContext"/> only when a span is really started.
/// </summary>
public readonly struct PropagatedContext : IEquatable<PropagatedContext>
{
    /// <summary>Creates a context.</summary>
    /// <param name="traceId">The trace id; must not be empty for a valid context.</param>
    /// <param name="spanId">The caller's span id (the parent of the next span); may be empty when a format carried only a trace id.</param>
    /// <param name="flags">The trace flags.</param>
    /// <param name="traceState">The validated <c>tracestate</c>, or <see langword="null"/>.</param>
    /// <param name="format">The format the context came from.</param>
    public PropagatedContext(TraceId traceId, SpanId spanId, TraceFlags flags, string? traceState, PropagationFormat format)
    {
        TraceId = traceId;
        SpanId = spanId;
        Flags = flags;
        TraceState = traceState;
        Format = format;
    }

    /// <summary>Gets the trace id.</summary>
    public TraceId TraceId { get; }

    /// <summary>Gets the caller's span id; empty when the format carried only a trace id.</summary>
    public SpanId SpanId { get; }

    /// <summary>Gets the trace flags.</summary>
    public TraceFlags Flags { get; }

    /// <summary>Gets the validated <c>tracestate</c> (kept as the original string when valid), or <see langword="null"/>.</summary>
    public string? TraceState { get; }

    /// <summary>Gets the format the context came from.</summary>
    public PropagationFormat Format { get; }

    /// <summary>Gets a value indicating whether a trace id is present.</summary>
    public bool IsValid => !TraceId.IsEmpty;

    /// <summary>Gets a value indicating whether the caller sampled its span.</summary>
    public bool IsSampled => (Flags & TraceFlags.Sampled) != 0;

    /// <summary>Creates a context describing <paramref name="activity"/>, for injection.</summary>
    /// <param name="activity">The span whose ids are sent.</param>
    /// <returns>A context with the span's ids, flags and trace state.</returns>
    public static PropagatedContext FromActivity(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return FromActivityContext(activity.Context);
    }

    /// <summary>Creates a context from an <see cref="ActivityContext"/>, for injection.</summary>
    /// <param name="context">The context whose ids are sent.</param>
    /// <returns>A context with the same ids, flags and trace state.</returns>
    public static PropagatedContext FromActivityContext(ActivityContext context)
    {
        return new PropagatedContext(
            TraceId.FromActivityTraceId(context.TraceId),
            SpanId.FromActivitySpanId(context.SpanId),
            FromActivityFlags(context.TraceFlags),
            context.TraceState,
            PropagationFormat.None);
    }

    /// <summary>
    /// The flags sent for an activity's flags: sampled when it is recorded, and W3C Level 2's random bit (0x02) when the
    /// activity carries it. <see cref="ActivityTraceFlags"/> names no such value, but an activity keeps the bit it was
    /// given by its parent context or <c>traceparent</c>, and formats it in its <see cref="Activity.Id"/>.
    /// </summary>
    internal static TraceFlags FromActivityFlags(ActivityTraceFlags flags) =>
        (TraceFlags)((int)flags & (int)TraceParent.KnownFlags);

    /// <summary>The activity flags for W3C flags: the inverse of <see cref="FromActivityFlags"/>.</summary>
    internal static ActivityTraceFlags ToActivityFlags(TraceFlags flags) =>
        (ActivityTraceFlags)((int)flags & (int)TraceParent.KnownFlags);

    /// <summary>
    /// Converts to an <see cref="ActivityContext"/> marked remote (allocates the id strings).
    /// </summary>
    /// <returns>The equivalent context; <see langword="default"/> when <see cref="IsValid"/> is false.</returns>
    /// <remarks>
    /// <see cref="TraceFlags.Sampled"/> becomes <see cref="ActivityTraceFlags.Recorded"/>. The
    /// <see cref="TraceFlags.Random"/> bit is kept as the unnamed value 0x02: an activity started under the context
    /// keeps it, so it travels on with the trace id it describes.
    /// </remarks>
    public ActivityContext ToActivityContext()
    {
        if (!IsValid)
        {
            return default;
        }

        return new ActivityContext(TraceId.ToActivityTraceId(), SpanId.ToActivitySpanId(), ToActivityFlags(Flags), TraceState, isRemote: true);
    }

    /// <inheritdoc/>
    public bool Equals(PropagatedContext other) =>
        TraceId == other.TraceId && SpanId == other.SpanId && Flags == other.Flags
        && string.Equals(TraceState, other.TraceState, StringComparison.Ordinal) && Format == other.Format;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PropagatedContext other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(TraceId, SpanId, Flags, TraceState, Format);

    /// <summary>Compares two contexts for equality.</summary>
    public static bool operator ==(PropagatedContext left, PropagatedContext right) => left.Equals(right);

    /// <summary>Compares two contexts for inequality.</summary>
    public static bool operator !=(PropagatedContext left, PropagatedContext right) => !left.Equals(right);
}
