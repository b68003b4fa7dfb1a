using System.Diagnostics;
using System.Runtime.CompilerServices;
using Propagation.Internal;

namespace Propagation;

/// <summary>
/// The composite propagator: reads every configured trace-context format of a request, picks the
/// parent by precedence, keeps disagreeing formats as links, applies the per-request trust
/// policy, and writes the configured formats to outbound requests.
/// </summary>
/// <remarks>
/// <para>
/// <b>Precedence and conflicts.</b> <see cref="PropagationOptions.ExtractFormats"/> are read in
/// order; the first valid context wins. Formats that carry the same trace id agree and are not
/// reported. A format with a different trace id is kept as a <see cref="PropagationLink"/> with
/// reason <see cref="PropagationLinkReason.FormatConflict"/> and
/// <see cref="PropagationIssues.FormatConflict"/> is reported: never silently dropped.
/// </para>
/// <para>
/// <b>tracestate</b> travels with its <c>traceparent</c>. When a legacy or B3 context wins and a
/// <c>traceparent</c> names the same trace id and the same parent span id, the parent keeps that
/// <c>tracestate</c> (its flags stay the winner's). A <c>traceparent</c> that names another parent span
/// (or a winner without a span id) lends it nothing; one with another trace id becomes a link and its
/// <c>tracestate</c> stays on that link.
/// </para>
/// <para>
/// <b>Trust policy</b> (see <see cref="TrustPolicy"/>), decided per request by the host.
/// </para>
/// <para>
/// <b>Health.</b> When created with a <see cref="PropagationHealth"/>, every
/// <see cref="Extract{TCarrier}"/> records its issues there.
/// </para>
/// <para>Instances are immutable and thread-safe; create one per host and reuse it.</para>
/// </remarks>
public sealed class TracePropagator
{
    private readonly PropagationFormat[] _extract;
    private readonly PropagationFormat[] _inject;
    private readonly TraceContextFormat _traceContext = TraceContextFormat.Instance;
    private readonly LegacyFormat _legacy;
    private readonly B3Format _b3;
    private readonly B3SingleFormat _b3Single;
    private readonly string[] _fields;
    private readonly string[] _extractFields;

    // Read-only views of the arrays above, made once: a caller casting a list to a mutable one cannot change them.
    private readonly IReadOnlyList<PropagationFormat> _extractView;
    private readonly IReadOnlyList<PropagationFormat> _injectView;
    private readonly IReadOnlyList<string> _fieldsView;

    /// <summary>Creates a propagator with the default <see cref="PropagationOptions"/> and no health counters.</summary>
    public TracePropagator()
        : this(new PropagationOptions(), health: null)
    {
    }

    /// <summary>Creates a propagator.</summary>
    /// <param name="options">The options; validated and copied.</param>
    /// <param name="health">Where each extraction's issues are recorded, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every error.</exception>
    public TracePropagator(PropagationOptions options, PropagationHealth? health = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid PropagationOptions: " + string.Join(" ", errors), nameof(options));
        }

        _extract = [.. options.ExtractFormats];
        _inject = [.. options.InjectFormats];
        ExtractBaggage = options.ExtractBaggage;
        LegacyIdFormat = options.LegacyIdFormat;
        SampledWhenUnspecified = options.SampledWhenUnspecified;
        _legacy = new LegacyFormat(options.LegacyIdFormat, options.SampledWhenUnspecified);
        _b3 = new B3Format(options.SampledWhenUnspecified);
        _b3Single = new B3SingleFormat(options.SampledWhenUnspecified);
        Health = health;
        _fields = CollectFields(extractOnly: false);
        _extractFields = CollectFields(extractOnly: true);
        _extractView = Array.AsReadOnly(_extract);
        _injectView = Array.AsReadOnly(_inject);
        _fieldsView = Array.AsReadOnly(_fields);
    }

    /// <summary>Gets the trace-context formats read, in precedence order.</summary>
    public IReadOnlyList<PropagationFormat> ExtractFormats => _extractView;

    /// <summary>Gets the formats written, in order.</summary>
    public IReadOnlyList<PropagationFormat> InjectFormats => _injectView;

    /// <summary>Gets a value indicating whether inbound baggage is read.</summary>
    public bool ExtractBaggage { get; }

    /// <summary>Gets how the legacy pair is written.</summary>
    public LegacyIdFormat LegacyIdFormat { get; }

    /// <summary>Gets a value indicating whether contexts without a sampling decision are treated as sampled.</summary>
    public bool SampledWhenUnspecified { get; }

    /// <summary>Gets where extraction issues are recorded, or <see langword="null"/>.</summary>
    public PropagationHealth? Health { get; }

    /// <summary>Gets every header name this propagator reads or writes (each once).</summary>
    public IReadOnlyList<string> Fields => _fieldsView;

    /// <summary>Reads the inbound context of one request and applies the trust policy.</summary>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="carrier">The request headers or metadata; never changed.</param>
    /// <param name="getter">A static getter for the carrier.</param>
    /// <param name="policy">The trust policy the host decided for this request.</param>
    /// <returns>The parent, links, baggage and issues. Never throws for wire data.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="carrier"/> or <paramref name="getter"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="policy"/> is not a defined value.</exception>
    public ExtractedContext Extract<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, TrustPolicy policy = TrustPolicy.Continue)
    {
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(getter);
        if ((uint)policy > (uint)TrustPolicy.Ignore)
        {
            ThrowPolicy(policy);
        }

        var result = policy == TrustPolicy.Ignore ? ExtractIgnored(carrier, getter) : ExtractCore(carrier, getter, policy, ExtractBaggage);
        Health?.Record(result.Issues);
        return result;
    }

    /// <summary>Extracts trace context only (no baggage, no health recording), for adapters that read baggage separately.</summary>
    internal ExtractedContext ExtractTraceOnly<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, TrustPolicy policy) =>
        policy == TrustPolicy.Ignore ? ExtractIgnored(carrier, getter) : ExtractCore(carrier, getter, policy, readBaggage: false);

    /// <summary>
    /// Reads baggage only (no health recording), under the same rule as <see cref="Extract"/>: only when the policy
    /// continues the inbound trace (<see cref="TrustPolicy.Continue"/>, <see cref="TrustPolicy.ContinueIgnoreSampling"/>).
    /// </summary>
    /// <returns>The baggage; <see langword="null"/> when disabled, not read under the policy, absent or invalid.</returns>
    internal Baggage? ExtractBaggageOnly<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, TrustPolicy policy, ref PropagationIssues issues) =>
        ExtractBaggage && policy is TrustPolicy.Continue or TrustPolicy.ContinueIgnoreSampling ? ReadBaggage(carrier, getter, ref issues) : null;

    /// <summary>Writes a context and baggage to an outbound carrier in the configured formats.</summary>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="context">The context of the outbound span; trace formats are skipped when it is not valid.</param>
    /// <param name="baggage">The baggage to send, or <see langword="null"/>.</param>
    /// <param name="carrier">The outbound headers or metadata.</param>
    /// <param name="setter">A static setter for the carrier; it must replace existing values.</param>
    /// <param name="scope">How much to send to this destination.</param>
    /// <exception cref="ArgumentNullException"><paramref name="carrier"/> or <paramref name="setter"/> is <see langword="null"/>.</exception>
    public void Inject<TCarrier>(in PropagatedContext context, Baggage? baggage, TCarrier carrier, HeaderSetter<TCarrier> setter, InjectionScope scope = InjectionScope.Full)
    {
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(setter);
        InjectCore(context, baggage, activityBaggage: null, ids: default, carrier, setter, scope);
    }

    /// <summary>
    /// Writes the context of <paramref name="activity"/> (its ids, flags and <see cref="Activity.TraceStateString"/>)
    /// and its <see cref="Activity.Baggage"/> to an outbound carrier.
    /// </summary>
    /// <remarks>
    /// <para>The activity's own id strings are sent where they are what the codecs would format: its
    /// <see cref="Activity.Id"/> as <c>traceparent</c> and its hex ids as the legacy pair, so injecting
    /// allocates no second copy of them.</para>
    /// <para><c>baggage</c> carries each key of <see cref="Activity.Baggage"/> once, with its first value there,
    /// the one <see cref="Activity.GetBaggageItem"/> returns: an item the activity (or a nearer parent) set for a
    /// key replaces a parent's, which is not sent beside it (see
    /// <see cref="BaggageFormat.Inject{TCarrier}(IEnumerable{KeyValuePair{string, string}}, TCarrier, HeaderSetter{TCarrier})"/>).</para>
    /// </remarks>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="activity">The outbound span.</param>
    /// <param name="carrier">The outbound headers or metadata.</param>
    /// <param name="setter">A static setter for the carrier; it must replace existing values.</param>
    /// <param name="scope">How much to send to this destination.</param>
    /// <exception cref="ArgumentNullException"><paramref name="activity"/>, <paramref name="carrier"/> or <paramref name="setter"/> is <see langword="null"/>.</exception>
    public void Inject<TCarrier>(Activity activity, TCarrier carrier, HeaderSetter<TCarrier> setter, InjectionScope scope = InjectionScope.Full)
    {
        ArgumentNullException.ThrowIfNull(activity);
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(setter);
        if (scope == InjectionScope.None)
        {
            return;
        }

        var ids = ActivityIdText.From(activity, out var context);

        // An activity without baggage has an empty array: nothing to enumerate or write.
        var activityBaggage = activity.Baggage;
        if (activityBaggage is KeyValuePair<string, string?>[] { Length: 0 })
        {
            activityBaggage = null;
        }

        InjectCore(context, baggage: null, activityBaggage, ids, carrier, setter, scope);
    }

    private void InjectCore<TCarrier>(
        in PropagatedContext context,
        Baggage? baggage,
        IEnumerable<KeyValuePair<string, string?>>? activityBaggage,
        in ActivityIdText ids,
        TCarrier carrier,
        HeaderSetter<TCarrier> setter,
        InjectionScope scope)
    {
        switch (scope)
        {
            case InjectionScope.Full:
                break;
            case InjectionScope.TraceParentOnly:
                // Narrows what is sent, never adds a format: a propagator that injects nothing (OTEL_PROPAGATORS=none) stays silent.
                if (context.IsValid && _inject.Length > 0)
                {
                    var bare = new PropagatedContext(context.TraceId, context.SpanId, context.Flags, traceState: null, context.Format);
                    TraceContextFormat.InjectCore(bare, carrier, setter, ids.GetTraceParent(context.Flags));
                }

                return;
            default:
                return;
        }

        foreach (var format in _inject)
        {
            switch (format)
            {
                case PropagationFormat.TraceContext:
                    TraceContextFormat.InjectCore(context, carrier, setter, ids.GetTraceParent(context.Flags));
                    break;
                case PropagationFormat.Legacy:
                    _legacy.Inject(context, carrier, setter, ids);
                    break;
                case PropagationFormat.B3:
                    _b3.Inject(context, carrier, setter);
                    break;
                case PropagationFormat.B3Single:
                    _b3Single.Inject(context, carrier, setter);
                    break;
                case PropagationFormat.Baggage:
                    if (baggage is not null)
                    {
                        BaggageFormat.Instance.Inject(baggage, carrier, setter);
                    }
                    else if (activityBaggage is not null)
                    {
                        BaggageFormat.Instance.Inject(activityBaggage, carrier, setter);
                    }

                    break;
            }
        }
    }

    private ExtractedContext ExtractCore<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, TrustPolicy policy, bool readBaggage)
    {
        var issues = PropagationIssues.None;
        PropagatedContext winner = default;
        PropagationLink[]? links = null;
        var denied = false;
        var singleDenied = false;

        foreach (var format in _extract)
        {
            PropagatedContext found;
            bool ok;
            switch (format)
            {
                case PropagationFormat.TraceContext:
                    ok = _traceContext.TryExtract(carrier, getter, out found, ref issues);
                    break;
                case PropagationFormat.Legacy:
                    ok = _legacy.TryExtract(carrier, getter, out found, ref issues);
                    break;
                case PropagationFormat.B3:
                    var b3 = _b3.Extract(carrier, getter, out found, ref issues);
                    ok = b3 == B3Outcome.Valid;
                    denied |= b3 == B3Outcome.DenyOnly;
                    if (ok && singleDenied && found.IsSampled)
                    {
                        // B3: the single header takes precedence over the multiple headers. A lone "b3: 0" ranked above
                        // them carries only its deny, which the multiple headers' ids keep (B3 sends ids with a deny).
                        found = new PropagatedContext(found.TraceId, found.SpanId, found.Flags & ~TraceFlags.Sampled, found.TraceState, found.Format);
                    }

                    break;
                case PropagationFormat.B3Single:
                    var single = _b3Single.Extract(carrier, getter, out found, ref issues);
                    ok = single == B3Outcome.Valid;
                    denied |= single == B3Outcome.DenyOnly;
                    singleDenied = single == B3Outcome.DenyOnly;
                    break;
                default:
                    continue;
            }

            if (!ok || !found.IsValid)
            {
                continue;
            }

            if (!winner.IsValid)
            {
                winner = found;
            }
            else if (found.TraceId != winner.TraceId)
            {
                issues |= PropagationIssues.FormatConflict;
                links = Append(links, new PropagationLink(found, PropagationLinkReason.FormatConflict));
            }
            else if (found.TraceState is not null && winner.TraceState is null && found.SpanId == winner.SpanId)
            {
                // W3C Trace Context §3.3: tracestate is the companion of the traceparent it arrived with. A
                // traceparent naming the winner's trace and parent span describes the same caller, so its
                // tracestate belongs to the parent kept. Only the state is taken: the flags stay the winner's,
                // as an agreeing format never changes the winner's sampling decision.
                winner = new PropagatedContext(winner.TraceId, winner.SpanId, winner.Flags, found.TraceState, winner.Format);
            }
        }

        if (winner.IsValid && !winner.IsSampled)
        {
            issues |= PropagationIssues.ArrivedUnsampled;
        }

        PropagatedContext parent;
        Baggage? baggage = null;
        switch (policy)
        {
            case TrustPolicy.RestartAndLink:
                parent = default;
                denied = false;
                if (winner.IsValid)
                {
                    issues |= PropagationIssues.RestartedByPolicy;
                    var restarted = new PropagatedContext(winner.TraceId, winner.SpanId, winner.Flags, traceState: null, winner.Format);
                    links = Prepend(links, new PropagationLink(restarted, PropagationLinkReason.RestartedByPolicy));
                }

                break;

            case TrustPolicy.ContinueIgnoreSampling:
                denied = false;
                parent = winner;
                if (winner.IsValid)
                {
                    issues |= PropagationIssues.SamplingIgnoredByPolicy;
                    parent = new PropagatedContext(winner.TraceId, winner.SpanId, winner.Flags | TraceFlags.Sampled, winner.TraceState, winner.Format);
                }

                baggage = readBaggage ? ReadBaggage(carrier, getter, ref issues) : null;
                break;

            default:
                parent = winner;
                denied &= !winner.IsValid;
                baggage = readBaggage ? ReadBaggage(carrier, getter, ref issues) : null;
                break;
        }

        return new ExtractedContext(parent, winner, baggage, links, issues, policy, denied);
    }

    private ExtractedContext ExtractIgnored<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter)
    {
        // Nothing is parsed; only presence is checked so that ignoring is counted when it mattered.
        var issues = PropagationIssues.None;
        foreach (var name in _extractFields)
        {
            if (getter(carrier, name).Count > 0)
            {
                issues = PropagationIssues.IgnoredByPolicy;
                break;
            }
        }

        return new ExtractedContext(default, default, null, null, issues, TrustPolicy.Ignore, samplingDenied: false);
    }

    private static Baggage? ReadBaggage<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, ref PropagationIssues issues)
    {
        return BaggageFormat.Instance.TryExtract(carrier, getter, out var baggage, ref issues) && !baggage.IsEmpty ? baggage : null;
    }

    /// <summary>The header names of the formats read and written, or (<paramref name="extractOnly"/>) of those read only.</summary>
    private string[] CollectFields(bool extractOnly)
    {
        var fields = new List<string>();
        AddFields(fields, _extract);
        if (!extractOnly)
        {
            AddFields(fields, _inject);
        }

        if (ExtractBaggage)
        {
            AddFields(fields, [PropagationFormat.Baggage]);
        }

        return [.. fields];
    }

    private void AddFields(List<string> fields, PropagationFormat[] formats)
    {
        foreach (var format in formats)
        {
            IReadOnlyList<string> names = format switch
            {
                PropagationFormat.TraceContext => _traceContext.Fields,
                PropagationFormat.Legacy => _legacy.Fields,
                PropagationFormat.B3 => _b3.Fields,
                PropagationFormat.B3Single => _b3Single.Fields,
                PropagationFormat.Baggage => BaggageFormat.Instance.Fields,
                _ => [],
            };
            foreach (var name in names)
            {
                if (!fields.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    fields.Add(name);
                }
            }
        }
    }

    private static PropagationLink[] Append(PropagationLink[]? links, PropagationLink link)
    {
        if (links is null)
        {
            return [link];
        }

        var result = new PropagationLink[links.Length + 1];
        links.CopyTo(result, 0);
        result[^1] = link;
        return result;
    }

    private static PropagationLink[] Prepend(PropagationLink[]? links, PropagationLink link)
    {
        if (links is null)
        {
            return [link];
        }

        var result = new PropagationLink[links.Length + 1];
        result[0] = link;
        links.CopyTo(result, 1);
        return result;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowPolicy(TrustPolicy policy) =>
        throw new ArgumentOutOfRangeException(nameof(policy), policy, "Use Continue, ContinueIgnoreSampling, RestartAndLink or Ignore.");
}
