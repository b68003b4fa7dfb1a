using System.Diagnostics;

namespace Propagation;

/// <summary>
/// A <see cref="DistributedContextPropagator"/> backed by a <see cref="TracePropagator"/>, so that
/// ASP.NET Core hosting (which resolves <see cref="DistributedContextPropagator"/> from DI) and
/// HttpClient's handler (<c>SocketsHttpHandler.ActivityHeadersPropagator</c>) read and write the
/// same formats, with the same rules, as the rest of this library.
/// </summary>
/// <remarks>
/// <para>
/// <b>Extraction.</b> <see cref="ExtractTraceIdAndState"/> returns the winning context of any
/// configured format as a W3C <c>traceparent</c> string (a legacy or B3 context is converted;
/// a trace id without a span id gets the synthetic parent span id of
/// <see cref="ExtractedContext.CreateSyntheticParentSpanId"/>). Under
/// <see cref="TrustPolicy.RestartAndLink"/> or <see cref="TrustPolicy.Ignore"/> it returns
/// <see langword="null"/>, so the caller starts a new root; the links of a restart cannot be
/// expressed through this API (use <see cref="TracePropagator.Extract{TCarrier}"/> for them), nor can a B3
/// deny-only decision (<c>b3: 0</c> or <c>X-B3-Sampled: 0</c> without ids): it returns <see langword="null"/>, and the
/// caller's sampler decides (<see cref="ExtractedContext.SamplingDenied"/> carries the deny).
/// <see cref="ExtractBaggage"/> returns baggage only under <see cref="TrustPolicy.Continue"/> and
/// <see cref="TrustPolicy.ContinueIgnoreSampling"/>, in reverse header order as the
/// <see cref="DistributedContextPropagator"/> contract asks (the caller adds each item with
/// <see cref="Activity.AddBaggage"/>, which prepends, so <see cref="Activity.Baggage"/> ends up in header
/// order and <see cref="Activity.GetBaggageItem"/> returns the first value of a repeated key).
/// </para>
/// <para>
/// <b>Health.</b> When <see cref="RecordHealth"/> is true and the propagator has a
/// <see cref="PropagationHealth"/>, each <see cref="ExtractTraceIdAndState"/> call counts one request
/// and its issues, and <see cref="ExtractBaggage"/> adds the baggage issues to it. Turn it off when
/// the host also calls <see cref="TracePropagator.Extract{TCarrier}"/> for the same request.
/// </para>
/// <para>
/// <b>Injection</b> writes the context of the given <see cref="Activity"/> (ids, flags,
/// <see cref="Activity.TraceStateString"/>, <see cref="Activity.Baggage"/>, each baggage key once with the value
/// <see cref="Activity.GetBaggageItem"/> returns) through the caller's
/// setter in every configured format, limited by the scope chosen for the carrier. Whether an
/// existing header is replaced is up to that setter (HttpClient's own setter keeps a header the
/// caller already set). Activities in the hierarchical id format are not propagated.
/// </para>
/// </remarks>
public sealed class PropagationDistributedContextPropagator : DistributedContextPropagator
{
    private static readonly HeaderGetter<GetterCarrier> CallbackGetter = static (carrier, name) =>
    {
        carrier.Getter(carrier.Carrier, name, out var value, out var values);
        if (value is not null)
        {
            return new HeaderValues(value);
        }

        if (values is null)
        {
            return default;
        }

        // Several lines: rare, so copying them is fine.
        return new HeaderValues([.. values]);
    };

    private static readonly HeaderSetter<SetterCarrier> CallbackSetter =
        static (carrier, name, value) => carrier.Setter(carrier.Carrier, name, value);

    private readonly TracePropagator _propagator;
    private readonly Func<object?, TrustPolicy>? _trustPolicy;
    private readonly Func<object?, InjectionScope>? _injectionScope;

    /// <summary>Creates the adapter; every request is trusted (<see cref="TrustPolicy.Continue"/>) and gets full context.</summary>
    /// <param name="propagator">The composite propagator to use.</param>
    public PropagationDistributedContextPropagator(TracePropagator propagator)
        : this(propagator, trustPolicy: null, injectionScope: null)
    {
    }

    /// <summary>Creates the adapter.</summary>
    /// <param name="propagator">The composite propagator to use.</param>
    /// <param name="trustPolicy">
    /// Chooses the trust policy from the inbound carrier (for ASP.NET Core hosting, the request's
    /// <c>IHeaderDictionary</c>); <see langword="null"/> for <see cref="TrustPolicy.Continue"/>.
    /// </param>
    /// <param name="injectionScope">
    /// Chooses how much to send from the outbound carrier (for HttpClient, the
    /// <c>HttpRequestMessage</c>); <see langword="null"/> for <see cref="InjectionScope.Full"/>.
    /// </param>
    public PropagationDistributedContextPropagator(
        TracePropagator propagator,
        Func<object?, TrustPolicy>? trustPolicy,
        Func<object?, InjectionScope>? injectionScope)
    {
        ArgumentNullException.ThrowIfNull(propagator);
        _propagator = propagator;
        _trustPolicy = trustPolicy;
        _injectionScope = injectionScope;
    }

    /// <summary>Gets the composite propagator this adapter uses.</summary>
    public TracePropagator Propagator => _propagator;

    /// <summary>Gets or sets a value indicating whether extraction records into the propagator's <see cref="PropagationHealth"/>.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool RecordHealth { get; init; } = true;

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> Fields => (IReadOnlyCollection<string>)_propagator.Fields;

    /// <inheritdoc/>
    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (activity is null || setter is null || activity.IdFormat != ActivityIdFormat.W3C)
        {
            return;
        }

        var scope = _injectionScope?.Invoke(carrier) ?? InjectionScope.Full;
        _propagator.Inject(activity, new SetterCarrier(carrier, setter), CallbackSetter, scope);
    }

    /// <inheritdoc/>
    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        traceId = null;
        traceState = null;
        if (getter is null)
        {
            return;
        }

        var policy = _trustPolicy?.Invoke(carrier) ?? TrustPolicy.Continue;
        var result = _propagator.ExtractTraceOnly(new GetterCarrier(carrier, getter), CallbackGetter, policy);
        if (RecordHealth)
        {
            _propagator.Health?.Record(result.Issues);
        }

        if (!result.HasParent)
        {
            return;
        }

        var parent = result.Parent;
        var spanId = parent.SpanId.IsEmpty ? ExtractedContext.CreateSyntheticParentSpanId(parent.TraceId) : parent.SpanId;
        traceId = TraceParent.Format(parent.TraceId, spanId, parent.Flags);
        traceState = parent.TraceState;
    }

    /// <inheritdoc/>
    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter)
    {
        if (getter is null)
        {
            return null;
        }

        var policy = _trustPolicy?.Invoke(carrier) ?? TrustPolicy.Continue;
        var issues = PropagationIssues.None;
        var baggage = _propagator.ExtractBaggageOnly(new GetterCarrier(carrier, getter), CallbackGetter, policy, ref issues);
        if (RecordHealth && issues != PropagationIssues.None)
        {
            _propagator.Health?.RecordAdditional(issues);
        }

        if (baggage is null || baggage.IsEmpty)
        {
            return null;
        }

        // Contract of DistributedContextPropagator.ExtractBaggage (as the BCL's own propagators do it): the
        // items come last header member first, because the caller (ASP.NET Core hosting) passes them to
        // Activity.AddBaggage in the order returned, and AddBaggage prepends. Activity.Baggage then lists
        // the members in header order, and GetBaggageItem finds the first of a repeated key, as
        // Baggage.TryGetValue does.
        var count = baggage.Count;
        var result = new KeyValuePair<string, string?>[count];
        for (var i = 0; i < count; i++)
        {
            var member = baggage[count - 1 - i];
            result[i] = new KeyValuePair<string, string?>(member.Key, member.Value);
        }

        return result;
    }

    private readonly record struct GetterCarrier(object? Carrier, PropagatorGetterCallback Getter);

    private readonly record struct SetterCarrier(object? Carrier, PropagatorSetterCallback Setter);
}
