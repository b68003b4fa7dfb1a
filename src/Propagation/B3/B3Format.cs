using Propagation.Internal;

namespace Propagation;

/// <summary>
/// B3 multi-header propagation (openzipkin/b3-propagation): <c>X-B3-TraceId</c>,
/// <c>X-B3-SpanId</c>, <c>X-B3-ParentSpanId</c>, <c>X-B3-Sampled</c>, <c>X-B3-Flags</c>.
/// Over gRPC the names are the lowercase metadata keys (<c>x-b3-traceid</c>, ...); carriers
/// match names case-insensitively.
/// </summary>
/// <remarks>
/// <para>
/// <b>Extraction.</b> <c>X-B3-TraceId</c> is 32 or 16 lower-hex characters (16 are left-padded
/// with zeros to 128 bits); <c>X-B3-SpanId</c> and <c>X-B3-ParentSpanId</c> are 16 lower-hex
/// characters. The extracted <see cref="PropagatedContext.SpanId"/> is <c>X-B3-SpanId</c> (the
/// caller's span, the parent of ours); the parent span id is validated but not kept.
/// <c>X-B3-Sampled</c> is <c>1</c> (accept) or <c>0</c> (deny); <c>true</c>/<c>false</c> are
/// accepted leniently as the spec allows. <c>X-B3-Flags: 1</c> is debug, which implies accept, so
/// the context is sampled; any other <c>X-B3-Flags</c> value is not debug and is otherwise ignored. When neither is sent the decision is deferred to the receiver: the
/// context is marked sampled unless the format was created with <c>sampledWhenDeferred: false</c>.
/// </para>
/// <para>
/// A header sent on several lines is read from its first line, as the specification says (the
/// first value wins). Any present field that is invalid (wrong length, uppercase, non-hex, all zeros,
/// empty) rejects the whole set (<see cref="PropagationIssues.B3Invalid"/>; a value over
/// <see cref="MaxValueLength"/> characters also reports <see cref="PropagationIssues.HeaderTooLong"/>).
/// A trace id without a span id, or the reverse, is invalid. <c>X-B3-Sampled: 0</c> without ids
/// is a valid deny-only decision: no context is extracted and
/// <see cref="ExtractedContext.SamplingDenied"/> tells the host.
/// </para>
/// <para>
/// <b>Injection</b> writes <c>X-B3-TraceId</c> (32 characters), <c>X-B3-SpanId</c> and
/// <c>X-B3-Sampled</c> (<c>1</c> or <c>0</c>); never <c>X-B3-ParentSpanId</c> or
/// <c>X-B3-Flags</c>. Nothing is written for a context without a trace id and span id.
/// </para>
/// </remarks>
public sealed class B3Format : ITraceFormat
{
    /// <summary>The trace id header.</summary>
    public const string TraceIdHeader = "X-B3-TraceId";

    /// <summary>The span id header.</summary>
    public const string SpanIdHeader = "X-B3-SpanId";

    /// <summary>The parent span id header.</summary>
    public const string ParentSpanIdHeader = "X-B3-ParentSpanId";

    /// <summary>The sampling decision header.</summary>
    public const string SampledHeader = "X-B3-Sampled";

    /// <summary>The debug flag header.</summary>
    public const string FlagsHeader = "X-B3-Flags";

    /// <summary>The longest value read (after trimming whitespace); longer values are rejected unread.</summary>
    public const int MaxValueLength = 32;

    private static readonly string[] FieldNames = [TraceIdHeader, SpanIdHeader, ParentSpanIdHeader, SampledHeader, FlagsHeader];

    private readonly TraceFlags _deferredFlags;

    /// <summary>Creates the format; a deferred sampling decision is treated as sampled.</summary>
    public B3Format()
        : this(sampledWhenDeferred: true)
    {
    }

    /// <summary>Creates the format.</summary>
    /// <param name="sampledWhenDeferred">Whether a context without <c>X-B3-Sampled</c> or <c>X-B3-Flags</c> is marked sampled.</param>
    public B3Format(bool sampledWhenDeferred)
    {
        SampledWhenDeferred = sampledWhenDeferred;
        _deferredFlags = sampledWhenDeferred ? TraceFlags.Sampled : TraceFlags.None;
    }

    /// <inheritdoc/>
    public PropagationFormat Format => PropagationFormat.B3;

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

        setter(carrier, TraceIdHeader, context.TraceId.ToString());
        setter(carrier, SpanIdHeader, context.SpanId.ToString());
        setter(carrier, SampledHeader, context.IsSampled ? "1" : "0");
    }

    internal B3Outcome Extract<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, out PropagatedContext context, ref PropagationIssues issues)
    {
        ArgumentNullException.ThrowIfNull(getter);
        context = default;

        var traceField = Read(carrier, getter, TraceIdHeader, out var traceText);
        var spanField = Read(carrier, getter, SpanIdHeader, out var spanText);
        var parentField = Read(carrier, getter, ParentSpanIdHeader, out var parentText);
        var sampledField = Read(carrier, getter, SampledHeader, out var sampledText);
        var flagsField = Read(carrier, getter, FlagsHeader, out var flagsText);

        if (traceField == Field.Absent && spanField == Field.Absent && parentField == Field.Absent
            && sampledField == Field.Absent && flagsField == Field.Absent)
        {
            return B3Outcome.Absent;
        }

        if (traceField == Field.TooLong || spanField == Field.TooLong || parentField == Field.TooLong
            || sampledField == Field.TooLong || flagsField == Field.TooLong)
        {
            issues |= PropagationIssues.HeaderTooLong | PropagationIssues.B3Invalid;
            return B3Outcome.Invalid;
        }

        if (traceField == Field.Invalid || spanField == Field.Invalid || parentField == Field.Invalid
            || sampledField == Field.Invalid || flagsField == Field.Invalid)
        {
            issues |= PropagationIssues.B3Invalid;
            return B3Outcome.Invalid;
        }

        // X-B3-Sampled: "1" accept, "0" deny; "true"/"false" accepted leniently (spec, Sampling State).
        // -1 deferred, 0 deny, 1 accept.
        var sampling = -1;
        if (sampledField == Field.Present)
        {
            if (sampledText.SequenceEqual("1") || sampledText.SequenceEqual("true"))
            {
                sampling = 1;
            }
            else if (sampledText.SequenceEqual("0") || sampledText.SequenceEqual("false"))
            {
                sampling = 0;
            }
            else
            {
                issues |= PropagationIssues.B3Invalid;
                return B3Outcome.Invalid;
            }
        }

        // X-B3-Flags: "1" is debug, which implies accept (spec, Debug Flag). The spec gives no other value a meaning
        // (FAQ: no implementation treats it as a bit field), so any other value is not debug and leaves the ids and
        // X-B3-Sampled in force; Finagle, the first B3 tracer, sends its whole flag set here.
        if (flagsField == Field.Present && flagsText.SequenceEqual("1"))
        {
            sampling = 1;
        }

        if (traceField == Field.Absent && spanField == Field.Absent && parentField == Field.Absent)
        {
            // Only a sampling decision: a deny is meaningful without ids; an accept alone carries nothing.
            return sampling == 0 ? B3Outcome.DenyOnly : B3Outcome.Absent;
        }

        if (traceField == Field.Absent || spanField == Field.Absent
            || !B3Ids.TryParseTraceId(traceText, out var traceId)
            || !B3Ids.TryParseSpanId(spanText, out var spanId)
            || (parentField == Field.Present && !B3Ids.TryParseSpanId(parentText, out _)))
        {
            issues |= PropagationIssues.B3Invalid;
            return B3Outcome.Invalid;
        }

        var flags = sampling switch
        {
            1 => TraceFlags.Sampled,
            0 => TraceFlags.None,
            _ => _deferredFlags,
        };
        context = new PropagatedContext(traceId, spanId, flags, traceState: null, PropagationFormat.B3);
        return B3Outcome.Valid;
    }

    private static Field Read<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, string name, out ReadOnlySpan<char> text)
    {
        text = default;

        // Spec, Multiple Headers: on extraction a repeated header's first value is the one used.
        var value = HeaderText.FirstLine(getter(carrier, name));
        if (value is null)
        {
            return Field.Absent;
        }

        if (!HeaderText.TryTrimBounded(value, MaxValueLength, out text))
        {
            return Field.TooLong;
        }

        return text.IsEmpty ? Field.Invalid : Field.Present;
    }

    private enum Field
    {
        Absent,
        Present,
        Invalid,
        TooLong,
    }
}
