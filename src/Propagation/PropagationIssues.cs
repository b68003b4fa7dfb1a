namespace Propagation;

/// <summary>
/// Every reason an inbound header was rejected, trimmed or overridden while extracting one
/// request's context. Codecs OR these into a value as they go (no allocation); the host layer
/// reports the result once per request so propagation health can be counted.
/// </summary>
[Flags]
public enum PropagationIssues
{
    /// <summary>Nothing was rejected or trimmed.</summary>
    None = 0,

    /// <summary>A <c>traceparent</c> was present but invalid (treated as absent).</summary>
    TraceParentInvalid = 1 << 0,

    /// <summary><c>traceparent</c> arrived on several lines (invalid per spec).</summary>
    TraceParentDuplicated = 1 << 1,

    /// <summary>
    /// A <c>tracestate</c> was invalid as a whole and dropped: an invalid member, a repeated key, more
    /// than 32 members (counted across all lines) or, with <see cref="HeaderTooLong"/>, too long to read.
    /// </summary>
    TraceStateInvalid = 1 << 2,

    /// <summary>Some <c>tracestate</c> members were invalid or duplicated and dropped.</summary>
    /// <remarks>
    /// The codecs of this library never report it: reading a <c>tracestate</c> is strict, so one invalid or
    /// repeated member, or one member too many, discards the whole value (<see cref="TraceStateInvalid"/>).
    /// It stays so that code and health counters that name it keep working.
    /// </remarks>
    TraceStateMembersDropped = 1 << 3,

    /// <summary>
    /// A valid <c>tracestate</c> was over the 512-character limit; whole members were removed to fit
    /// (those over 128 characters first, then from the right).
    /// </summary>
    TraceStateTruncated = 1 << 4,

    /// <summary>A <c>baggage</c> header or some of its members were invalid and dropped.</summary>
    BaggageInvalid = 1 << 5,

    /// <summary>Baggage was over the member or byte limit; whole members were dropped.</summary>
    BaggageTruncated = 1 << 6,

    /// <summary>The legacy <c>X-Trace-ID</c>/<c>X-Span-ID</c> pair was present but invalid.</summary>
    LegacyInvalid = 1 << 7,

    /// <summary><c>X-Trace-ID</c> arrived without a usable <c>X-Span-ID</c>; the trace id was kept.</summary>
    LegacySpanIdMissing = 1 << 8,

    /// <summary>B3 headers were present but invalid.</summary>
    B3Invalid = 1 << 9,

    /// <summary>Formats present on the request disagreed on the trace id; the loser was kept as a link.</summary>
    FormatConflict = 1 << 10,

    /// <summary>The trust policy restarted the trace and linked the inbound context.</summary>
    RestartedByPolicy = 1 << 11,

    /// <summary>The trust policy ignored the inbound context entirely.</summary>
    IgnoredByPolicy = 1 << 12,

    /// <summary>The trust policy kept the trace but ignored the inbound sampling decision.</summary>
    SamplingIgnoredByPolicy = 1 << 13,

    /// <summary>The inbound context was valid but arrived not sampled.</summary>
    ArrivedUnsampled = 1 << 14,

    /// <summary>A header value was longer than the format allows and was rejected unread.</summary>
    HeaderTooLong = 1 << 15,

    /// <summary>
    /// The host's trust decider threw (or returned a value that is not a trust policy), so the request was treated
    /// as untrusted. Counted on every such request; the host logs the failure only once.
    /// </summary>
    TrustDeciderFailed = 1 << 16,
}
