using System.Diagnostics;

namespace Propagation;

/// <summary>
/// What <see cref="TracePropagator.Extract{TCarrier}"/> found on one request after applying the
/// trust policy: the parent for the server span, the contexts to link, the baggage and every issue.
/// Allocation-free unless there are links or baggage.
/// </summary>
/// <remarks>
/// <para>
/// <b>Parent span.</b> Start the server span with <see cref="ToActivityContext"/> as its parent
/// and <see cref="ToActivityLinks"/> as its links. When <see cref="HasParent"/> is false start a
/// new root.
/// </para>
/// <para>
/// <b>A trace id without a span id</b> (the legacy <c>X-Trace-ID</c> alone) keeps its trace id.
/// An <see cref="Activity"/> cannot join a trace without a parent span id, so
/// <see cref="ToActivityContext"/> uses a <b>synthetic parent span id</b> derived from the trace id
/// by <see cref="CreateSyntheticParentSpanId"/>, the same on every service that receives the same
/// trace id. <see cref="HasSyntheticParent"/> is then true; the host marks the span with
/// <see cref="PropagationAttributes.SyntheticParent"/> = <see langword="true"/> so viewers show it as
/// the root of that trace, and <see cref="PropagationIssues.LegacySpanIdMissing"/> is in <see cref="Issues"/>.
/// </para>
/// </remarks>
public readonly struct ExtractedContext
{
    private readonly Baggage? _baggage;
    private readonly PropagationLink[]? _links;

    internal ExtractedContext(
        PropagatedContext parent,
        PropagatedContext inbound,
        Baggage? baggage,
        PropagationLink[]? links,
        PropagationIssues issues,
        TrustPolicy policy,
        bool samplingDenied)
    {
        Parent = parent;
        Inbound = inbound;
        _baggage = baggage;
        _links = links;
        Issues = issues;
        Policy = policy;
        SamplingDenied = samplingDenied;
    }

    /// <summary>
    /// Gets the context to parent the server span; <see langword="default"/> (not valid) when the
    /// span must be a new root (no inbound context, <see cref="TrustPolicy.RestartAndLink"/> or
    /// <see cref="TrustPolicy.Ignore"/>).
    /// </summary>
    public PropagatedContext Parent { get; }

    /// <summary>
    /// Gets the winning inbound context as extracted, before the trust policy was applied
    /// (<see langword="default"/> when none was found or the policy was <see cref="TrustPolicy.Ignore"/>).
    /// </summary>
    public PropagatedContext Inbound { get; }

    /// <summary>Gets the format of the winning inbound context; <see cref="PropagationFormat.None"/> when there was none.</summary>
    public PropagationFormat Format => Inbound.Format;

    /// <summary>Gets the inbound baggage (empty when none, or when the policy dropped it).</summary>
    public Baggage Baggage => _baggage ?? Baggage.Empty;

    /// <summary>Gets every reason an inbound header was rejected, trimmed or overridden.</summary>
    public PropagationIssues Issues { get; }

    /// <summary>Gets the trust policy that was applied.</summary>
    public TrustPolicy Policy { get; }

    /// <summary>
    /// Gets a value indicating whether the request carried only a B3 deny decision (<c>b3: 0</c> or
    /// <c>X-B3-Sampled: 0</c>) and no ids, under <see cref="TrustPolicy.Continue"/>. The host should
    /// not record the new root span.
    /// </summary>
    public bool SamplingDenied { get; }

    /// <summary>Gets a value indicating whether the server span has a parent (<see cref="Parent"/> is valid).</summary>
    public bool HasParent => Parent.IsValid;

    /// <summary>Gets a value indicating whether the parent carried a trace id but no span id, so <see cref="ToActivityContext"/> uses a synthetic parent span id.</summary>
    public bool HasSyntheticParent => Parent.IsValid && Parent.SpanId.IsEmpty;

    /// <summary>Gets the inbound contexts to link (conflicting formats, a restarted trace); empty when none.</summary>
    public IReadOnlyList<PropagationLink> Links => _links ?? (IReadOnlyList<PropagationLink>)Array.Empty<PropagationLink>();

    /// <summary>
    /// Derives the synthetic parent span id for a trace id that arrived without a span id:
    /// <c>High XOR Low</c> of the trace id, or <c>Low</c> when that is zero. It is deterministic, so
    /// every service receiving the same trace id without a span id uses the same parent.
    /// </summary>
    /// <param name="traceId">A valid trace id.</param>
    /// <returns>A non-empty span id; empty only when <paramref name="traceId"/> is empty.</returns>
    public static SpanId CreateSyntheticParentSpanId(TraceId traceId)
    {
        var value = traceId.High ^ traceId.Low;
        return new SpanId(value != 0 ? value : traceId.Low);
    }

    /// <summary>
    /// Converts <see cref="Parent"/> to a remote <see cref="ActivityContext"/> to start the server
    /// span under (allocates the id strings); a missing span id is replaced by the synthetic one.
    /// </summary>
    /// <returns>The parent context; <see langword="default"/> when <see cref="HasParent"/> is false.</returns>
    public ActivityContext ToActivityContext() => ToParentActivityContext(Parent);

    /// <summary>Creates the <see cref="ActivityLink"/>s for <see cref="Links"/>, tagged with their reason and format.</summary>
    /// <returns>The links; <see langword="null"/> when there are none (nothing is allocated).</returns>
    public IEnumerable<ActivityLink>? ToActivityLinks()
    {
        if (_links is null || _links.Length == 0)
        {
            return null;
        }

        var result = new ActivityLink[_links.Length];
        for (var i = 0; i < _links.Length; i++)
        {
            result[i] = _links[i].ToActivityLink();
        }

        return result;
    }

    /// <summary>Converts a context, replacing a missing span id by the synthetic one.</summary>
    internal static ActivityContext ToParentActivityContext(in PropagatedContext context)
    {
        if (!context.IsValid)
        {
            return default;
        }

        if (!context.SpanId.IsEmpty)
        {
            return context.ToActivityContext();
        }

        var withSpan = new PropagatedContext(
            context.TraceId,
            CreateSyntheticParentSpanId(context.TraceId),
            context.Flags,
            context.TraceState,
            context.Format);
        return withSpan.ToActivityContext();
    }
}
