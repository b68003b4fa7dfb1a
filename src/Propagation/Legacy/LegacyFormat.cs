using Propagation.Internal;

namespace Propagation;

/// <summary>
/// The legacy header pair <c>X-Trace-ID</c> / <c>X-Span-ID</c> that our users' Go and Python
/// services send (over gRPC as the lowercase metadata keys <c>x-trace-id</c> / <c>x-span-id</c>;
/// carriers match names case-insensitively, and gRPC metadata carriers must lowercase them).
/// </summary>
/// <remarks>
/// <para>
/// <b>Extraction.</b> <c>X-Trace-ID</c> accepts a UUID (8-4-4-4-12, with dashes), 32 hex digits,
/// or 16 hex digits (left-padded with zeros to 128 bits), in upper or lower case. <c>X-Span-ID</c>
/// accepts 16 hex digits or a 128-bit value (a UUID or 32 hex digits) mapped to 64 bits by this
/// rule: <b>the last 8 bytes; when those are all zero, the first 8 bytes</b>. Optional whitespace
/// around a value is ignored. A value longer than <see cref="MaxValueLength"/> characters is
/// rejected unread (<see cref="PropagationIssues.HeaderTooLong"/>); other characters, lengths,
/// several lines, empty values and all-zero ids are rejected as
/// <see cref="PropagationIssues.LegacyInvalid"/>.
/// </para>
/// <para>
/// <b>A trace id without a span id.</b> When <c>X-Trace-ID</c> is valid but <c>X-Span-ID</c> is
/// absent or invalid, the trace id is kept: the context has an empty <see cref="PropagatedContext.SpanId"/>
/// and <see cref="PropagationIssues.LegacySpanIdMissing"/> is reported. The server span then
/// belongs to that trace with no real parent span; see <see cref="ExtractedContext.ToActivityContext"/>
/// for how it is started (under a deterministic synthetic parent id).
/// </para>
/// <para>
/// <b>Sampling.</b> The pair has no sampling flag. Extracted contexts are marked sampled unless
/// the format was created with <c>sampled: false</c>.
/// </para>
/// <para>
/// <b>Injection</b> writes both headers in <see cref="IdFormat"/>; nothing is written for an
/// invalid context, and only <c>X-Trace-ID</c> when the context has no span id.
/// </para>
/// </remarks>
public sealed class LegacyFormat : ITraceFormat
{
    /// <summary>The trace id header name.</summary>
    public const string TraceIdHeader = "X-Trace-ID";

    /// <summary>The span id header name.</summary>
    public const string SpanIdHeader = "X-Span-ID";

    /// <summary>The longest value read (after trimming whitespace); longer values are rejected unread.</summary>
    public const int MaxValueLength = 64;

    private static readonly string[] FieldNames = [TraceIdHeader, SpanIdHeader];

    private readonly TraceFlags _flags;

    /// <summary>Creates the format with W3C hex output and contexts marked sampled.</summary>
    public LegacyFormat()
        : this(LegacyIdFormat.Hex, sampled: true)
    {
    }

    /// <summary>Creates the format.</summary>
    /// <param name="idFormat">How ids are written on injection.</param>
    /// <param name="sampled">Whether extracted contexts are marked sampled (the pair carries no flag).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="idFormat"/> is not a defined value.</exception>
    public LegacyFormat(LegacyIdFormat idFormat, bool sampled)
    {
        if (idFormat is not LegacyIdFormat.Hex and not LegacyIdFormat.Uuid)
        {
            throw new ArgumentOutOfRangeException(nameof(idFormat), idFormat, "Use LegacyIdFormat.Hex or LegacyIdFormat.Uuid.");
        }

        IdFormat = idFormat;
        Sampled = sampled;
        _flags = sampled ? TraceFlags.Sampled : TraceFlags.None;
    }

    /// <inheritdoc/>
    public PropagationFormat Format => PropagationFormat.Legacy;

    /// <inheritdoc/>
    public IReadOnlyList<string> Fields => FieldNames;

    /// <summary>Gets how ids are written on injection.</summary>
    /// <value>Defaults to <see cref="LegacyIdFormat.Hex"/>.</value>
    public LegacyIdFormat IdFormat { get; }

    /// <summary>Gets a value indicating whether extracted contexts are marked sampled.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Sampled { get; }

    /// <inheritdoc/>
    public bool TryExtract<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, out PropagatedContext context, ref PropagationIssues issues)
    {
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(getter);
        context = default;

        var traceState = HeaderText.ReadSingle(getter(carrier, TraceIdHeader), out var traceValue);
        var spanState = HeaderText.ReadSingle(getter(carrier, SpanIdHeader), out var spanValue);
        if (traceState == HeaderText.SingleLine.Absent)
        {
            if (spanState != HeaderText.SingleLine.Absent)
            {
                // A span id without a trace id cannot be placed in any trace.
                issues |= PropagationIssues.LegacyInvalid;
            }

            return false;
        }

        if (traceState == HeaderText.SingleLine.Duplicated)
        {
            issues |= PropagationIssues.LegacyInvalid;
            return false;
        }

        if (!HeaderText.TryTrimBounded(traceValue!, MaxValueLength, out var traceText))
        {
            issues |= PropagationIssues.HeaderTooLong | PropagationIssues.LegacyInvalid;
            return false;
        }

        if (!LegacyIds.TryParseTraceId(traceText, out var traceId))
        {
            issues |= PropagationIssues.LegacyInvalid;
            return false;
        }

        var spanId = default(SpanId);
        switch (spanState)
        {
            case HeaderText.SingleLine.Absent:
                issues |= PropagationIssues.LegacySpanIdMissing;
                break;
            case HeaderText.SingleLine.Duplicated:
                issues |= PropagationIssues.LegacyInvalid | PropagationIssues.LegacySpanIdMissing;
                break;
            default:
                if (!HeaderText.TryTrimBounded(spanValue!, MaxValueLength, out var spanText))
                {
                    issues |= PropagationIssues.HeaderTooLong | PropagationIssues.LegacyInvalid | PropagationIssues.LegacySpanIdMissing;
                }
                else if (!LegacyIds.TryParseSpanId(spanText, out spanId))
                {
                    issues |= PropagationIssues.LegacyInvalid | PropagationIssues.LegacySpanIdMissing;
                }

                break;
        }

        context = new PropagatedContext(traceId, spanId, _flags, traceState: null, PropagationFormat.Legacy);
        return true;
    }

    /// <inheritdoc/>
    public void Inject<TCarrier>(in PropagatedContext context, TCarrier carrier, HeaderSetter<TCarrier> setter)
    {
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(setter);
        Inject(context, carrier, setter, ids: default);
    }

    /// <summary>Injects, writing the hex form from <paramref name="ids"/> (the same ids' strings) when it has them.</summary>
    internal void Inject<TCarrier>(in PropagatedContext context, TCarrier carrier, HeaderSetter<TCarrier> setter, in ActivityIdText ids)
    {
        if (!context.IsValid)
        {
            return;
        }

        if (IdFormat == LegacyIdFormat.Uuid)
        {
            setter(carrier, TraceIdHeader, LegacyIds.FormatUuid(context.TraceId));
            if (!context.SpanId.IsEmpty)
            {
                setter(carrier, SpanIdHeader, LegacyIds.FormatUuid(context.SpanId));
            }

            return;
        }

        setter(carrier, TraceIdHeader, ids.TraceId ?? context.TraceId.ToString());
        if (!context.SpanId.IsEmpty)
        {
            setter(carrier, SpanIdHeader, ids.SpanId ?? context.SpanId.ToString());
        }
    }
}
