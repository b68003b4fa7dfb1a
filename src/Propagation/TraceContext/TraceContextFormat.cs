using Propagation.Internal;

namespace Propagation;

/// <summary>
/// The W3C Trace Context Level 2 codec: reads and writes <c>traceparent</c> and <c>tracestate</c>.
/// </summary>
/// <remarks>
/// <para>Extraction:</para>
/// <list type="bullet">
/// <item>no <c>traceparent</c>: nothing is extracted and nothing is reported;</item>
/// <item><c>traceparent</c> on several lines: invalid (<see cref="PropagationIssues.TraceParentDuplicated"/> and
/// <see cref="PropagationIssues.TraceParentInvalid"/>), treated as absent;</item>
/// <item>an invalid <c>traceparent</c> (see <see cref="TraceParent"/>): <see cref="PropagationIssues.TraceParentInvalid"/>,
/// treated as absent, and <c>tracestate</c> is not read;</item>
/// <item>a valid <c>traceparent</c>: <c>tracestate</c> is read with <see cref="TraceState.Combine"/>; an invalid
/// <c>tracestate</c> is dropped but the <c>traceparent</c> is still used.</item>
/// </list>
/// <para>Extraction of a valid <c>traceparent</c> and a valid single-line <c>tracestate</c> allocates nothing.
/// Injection allocates only the two header strings (none for a <c>tracestate</c> that is already valid).</para>
/// </remarks>
public sealed class TraceContextFormat : ITraceFormat
{
    private static readonly string[] FieldNames = [TraceParent.HeaderName, TraceState.HeaderName];

    /// <summary>Gets a shared instance (the codec has no state).</summary>
    public static TraceContextFormat Instance { get; } = new();

    /// <inheritdoc/>
    public PropagationFormat Format => PropagationFormat.TraceContext;

    /// <inheritdoc/>
    /// <value><c>traceparent</c>, <c>tracestate</c>.</value>
    public IReadOnlyList<string> Fields => FieldNames;

    /// <inheritdoc/>
    public bool TryExtract<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, out PropagatedContext context, ref PropagationIssues issues)
    {
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(getter);
        context = default;

        // A null line is no line, as in the other codecs.
        switch (HeaderText.ReadSingle(getter(carrier, TraceParent.HeaderName), out var line))
        {
            case HeaderText.SingleLine.Absent:
                return false;
            case HeaderText.SingleLine.Duplicated:
                // §3.2 / test suite: a request with more than one traceparent header is invalid.
                issues |= PropagationIssues.TraceParentDuplicated | PropagationIssues.TraceParentInvalid;
                return false;
        }

        var problem = TraceParent.Parse(line!, out var traceId, out var parentId, out var flags);
        if (problem != PropagationIssues.None)
        {
            issues |= problem;
            return false;
        }

        // §3.3: tracestate is read only after a valid traceparent; an invalid one is dropped alone.
        var traceState = TraceState.Combine(getter(carrier, TraceState.HeaderName), ref issues);
        context = new PropagatedContext(traceId, parentId, flags, traceState, PropagationFormat.TraceContext);
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Writes nothing when the trace id or the span id is empty. Writes version <c>00</c> with the
    /// <see cref="TraceParent.KnownFlags"/> bits only, and a <c>tracestate</c> prepared by
    /// <see cref="TraceState.Truncate"/> when the context has one.
    /// </remarks>
    public void Inject<TCarrier>(in PropagatedContext context, TCarrier carrier, HeaderSetter<TCarrier> setter)
    {
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(setter);
        InjectCore(context, carrier, setter, traceParent: null);
    }

    /// <summary>Injects with a <c>traceparent</c> value already formatted for <paramref name="context"/> (or <see langword="null"/> to format one).</summary>
    internal static void InjectCore<TCarrier>(in PropagatedContext context, TCarrier carrier, HeaderSetter<TCarrier> setter, string? traceParent)
    {
        if (context.TraceId.IsEmpty || context.SpanId.IsEmpty)
        {
            return;
        }

        setter(carrier, TraceParent.HeaderName, traceParent ?? TraceParent.Format(context.TraceId, context.SpanId, context.Flags));

        var traceState = TraceState.Truncate(context.TraceState);
        if (traceState is not null)
        {
            setter(carrier, TraceState.HeaderName, traceState);
        }
    }
}
