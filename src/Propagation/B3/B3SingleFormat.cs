using Propagation.Internal;

namespace Propagation;

/// <summary>
/// B3 single-header propagation (openzipkin/b3-propagation, "Single Header"):
/// <c>b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]</c>, or a sampling state alone.
/// </summary>
/// <remarks>
/// <para>
/// <b>Extraction.</b> TraceId is 32 or 16 lower-hex characters (16 are left-padded with zeros);
/// SpanId and ParentSpanId 16 lower-hex characters; SamplingState one of <c>1</c> (accept),
/// <c>0</c> (deny) or <c>d</c> (debug, which implies accept, so the context is sampled). Without
/// a SamplingState the decision is deferred: the context is marked sampled unless the format was
/// created with <c>sampledWhenDeferred: false</c>. The parent span id is validated but not kept.
/// <c>b3: 0</c> alone is a valid deny-only decision (no context; <see cref="ExtractedContext.SamplingDenied"/>);
/// <c>b3: 1</c> or <c>b3: d</c> alone carry no ids and extract nothing.
/// </para>
/// <para>
/// Anything else is rejected (<see cref="PropagationIssues.B3Invalid"/>): wrong lengths, uppercase,
/// non-hex, all-zero ids, wrong delimiters, an empty value. A header on several lines is read from its first line (the first value
/// wins, as for <c>X-B3-*</c>). A value over
/// <see cref="MaxValueLength"/> characters is rejected unread and also reports
/// <see cref="PropagationIssues.HeaderTooLong"/>. Optional whitespace around the value is ignored.
/// </para>
/// <para><b>Injection</b> writes <c>b3: {TraceId(32)}-{SpanId}-{1|0}</c>.</para>
/// </remarks>
public sealed class B3SingleFormat : ITraceFormat
{
    /// <summary>The header name.</summary>
    public const string HeaderName = "b3";

    /// <summary>The longest valid value: 32 + 1 + 16 + 1 + 1 + 1 + 16 characters.</summary>
    public const int MaxValueLength = 68;

    private static readonly string[] FieldNames = [HeaderName];

    private readonly TraceFlags _deferredFlags;

    /// <summary>Creates the format; a deferred sampling decision is treated as sampled.</summary>
    public B3SingleFormat()
        : this(sampledWhenDeferred: true)
    {
    }

    /// <summary>Creates the format.</summary>
    /// <param name="sampledWhenDeferred">Whether a value without a SamplingState is marked sampled.</param>
    public B3SingleFormat(bool sampledWhenDeferred)
    {
        SampledWhenDeferred = sampledWhenDeferred;
        _deferredFlags = sampledWhenDeferred ? TraceFlags.Sampled : TraceFlags.None;
    }

    /// <inheritdoc/>
    public PropagationFormat Format => PropagationFormat.B3Single;

    /// <inheritdoc/>
    public IReadOnlyList<string> Fields => FieldNames;

    /// <summary>Gets a value indicating whether a deferred sampling decision is treated as sampled.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool SampledWhenDeferred { get; }

    /// <inheritdoc/>
    public bool TryExtract<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, out PropagatedContext context, ref PropagationIssues issues)
    {
        CarrierGuard.ThrowIfNull(carrier);

        return Extract(carrier, getter, out context, ref issues) == B3Outcome.Valid;
    }

    /// <inheritdoc/>
    public void Inject<TCarrier>(in PropagatedContext context, TCarrier carrier, HeaderSetter<TCarrier> setter)
    {
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(setter);
        if (!context.IsValid || context.SpanId.IsEmpty)
        {
            return;
        }

        var value = string.Create(TraceId.HexLength + 1 + SpanId.HexLength + 2, context, static (span, ctx) =>
        {
            ctx.TraceId.WriteHex(span);
            span[32] = '-';
            ctx.SpanId.WriteHex(span[33..]);
            span[49] = '-';
            span[50] = ctx.IsSampled ? '1' : '0';
        });
        setter(carrier, HeaderName, value);
    }

    internal B3Outcome Extract<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, out PropagatedContext context, ref PropagationIssues issues)
    {
        ArgumentNullException.ThrowIfNull(getter);
        context = default;
        // Spec, Multiple Headers: when extracting, the first value wins, for b3 as for X-B3-* headers.
        var raw = HeaderText.FirstLine(getter(carrier, HeaderName));
        if (raw is null)
        {
            return B3Outcome.Absent;
        }

        if (!HeaderText.TryTrimBounded(raw, MaxValueLength, out var value))
        {
            issues |= PropagationIssues.HeaderTooLong | PropagationIssues.B3Invalid;
            return B3Outcome.Invalid;
        }

        var outcome = Parse(value, out var traceId, out var spanId, out var sampling);
        switch (outcome)
        {
            case B3Outcome.Invalid:
                issues |= PropagationIssues.B3Invalid;
                return outcome;
            case B3Outcome.Valid:
                var flags = sampling switch
                {
                    '1' or 'd' => TraceFlags.Sampled,
                    '0' => TraceFlags.None,
                    _ => _deferredFlags,
                };
                context = new PropagatedContext(traceId, spanId, flags, traceState: null, PropagationFormat.B3Single);
                return outcome;
            default:
                return outcome;
        }
    }

    /// <summary>Parses a trimmed value; <paramref name="sampling"/> is <c>'\0'</c> when deferred.</summary>
    private static B3Outcome Parse(ReadOnlySpan<char> value, out TraceId traceId, out SpanId spanId, out char sampling)
    {
        traceId = default;
        spanId = default;
        sampling = '\0';

        // A sampling state on its own: "0" deny, "1" accept, "d" debug.
        if (value.Length == 1)
        {
            return value[0] switch
            {
                '0' => B3Outcome.DenyOnly,
                '1' or 'd' => B3Outcome.Absent,
                _ => B3Outcome.Invalid,
            };
        }

        var dash = value.IndexOf('-');
        if ((dash != 16 && dash != TraceId.HexLength) || !B3Ids.TryParseTraceId(value[..dash], out traceId))
        {
            return B3Outcome.Invalid;
        }

        var rest = value[(dash + 1)..];
        if (rest.Length < SpanId.HexLength || !B3Ids.TryParseSpanId(rest[..SpanId.HexLength], out spanId))
        {
            return B3Outcome.Invalid;
        }

        rest = rest[SpanId.HexLength..];
        if (rest.IsEmpty)
        {
            return B3Outcome.Valid;
        }

        // "-{SamplingState}" and optionally "-{ParentSpanId}".
        if (rest.Length < 2 || rest[0] != '-' || (rest[1] != '0' && rest[1] != '1' && rest[1] != 'd'))
        {
            return B3Outcome.Invalid;
        }

        sampling = rest[1];
        rest = rest[2..];
        if (rest.IsEmpty)
        {
            return B3Outcome.Valid;
        }

        if (rest.Length != 1 + SpanId.HexLength || rest[0] != '-' || !B3Ids.TryParseSpanId(rest[1..], out _))
        {
            return B3Outcome.Invalid;
        }

        return B3Outcome.Valid;
    }
}
