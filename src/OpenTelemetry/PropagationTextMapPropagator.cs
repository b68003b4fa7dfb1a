using System.Collections.ObjectModel;
using System.Diagnostics;
using OtelBaggage = global::OpenTelemetry.Baggage;
using OtelPropagationContext = global::OpenTelemetry.Context.Propagation.PropagationContext;
using OtelTextMapPropagator = global::OpenTelemetry.Context.Propagation.TextMapPropagator;

namespace Propagation.OpenTelemetry;

/// <summary>
/// An OpenTelemetry <see cref="OtelTextMapPropagator"/> backed by a <see cref="TracePropagator"/>,
/// so OpenTelemetry users get the legacy <c>X-Trace-ID</c>/<c>X-Span-ID</c> pair, B3 and the
/// W3C formats with this library's rules (precedence, validation, bounds, health counting).
/// </summary>
/// <remarks>
/// <para>
/// <b>Extraction</b> follows OpenTelemetry's convention: an <see cref="ActivityContext"/> already in the
/// incoming <see cref="OtelPropagationContext"/> (found by an earlier propagator of a composite; any
/// non-default context, as OpenTelemetry's <c>IsValid</c>) is returned unchanged, and so is non-empty incoming
/// baggage. When the context is kept, the trace headers are not read at all (nothing about them is counted)
/// and only the <c>baggage</c> header is still looked for. Otherwise the winning context of the configured
/// formats becomes the <see cref="OtelPropagationContext.ActivityContext"/> (a trace id without a span id gets
/// the synthetic parent span id of <see cref="ExtractedContext.CreateSyntheticParentSpanId"/>). OpenTelemetry's
/// <c>Baggage</c> holds one value per key: a key repeated in the <c>baggage</c> header keeps its first value, the one
/// <see cref="Baggage.TryGetValue"/> reads (OpenTelemetry's own <c>BaggagePropagator</c> keeps the last).
/// </para>
/// <para>
/// The trust policy is fixed per instance and applies to what this propagator reads: a context an earlier
/// propagator already found is kept whatever the policy, so put this propagator first (or use it alone) when
/// the policy must hold. Links (format conflicts, restarts) cannot be expressed in a
/// <see cref="OtelPropagationContext"/> and are dropped here, but they are still counted by the propagator's
/// <see cref="PropagationHealth"/>. Neither can a B3 deny-only decision (<c>b3: 0</c> or <c>X-B3-Sampled: 0</c>
/// without ids, <see cref="ExtractedContext.SamplingDenied"/>): no context is returned, so the app's sampler decides
/// for the new root as it would for a request without headers (OpenTelemetry's own <c>B3Propagator</c> does the same).
/// </para>
/// <para>
/// <b>Injection</b> writes the context and baggage in the configured inject formats; the setter
/// is expected to replace existing values. Trace formats are skipped when the context has no trace id;
/// baggage members whose key is not a W3C token (OpenTelemetry's <c>Baggage</c> accepts any string) are
/// left out. Neither method throws for a <see langword="null"/> carrier, getter or setter: it does nothing.
/// </para>
/// <para>
/// <b>A getter that throws</b> does not fail the request, as with OpenTelemetry's own propagators: <c>Extract</c>
/// returns the incoming context unchanged and writes a warning (the exception's type only) to the
/// <c>Propagation-OpenTelemetry</c> event source. A setter that throws in <c>Inject</c> propagates.
/// </para>
/// </remarks>
public sealed class PropagationTextMapPropagator : OtelTextMapPropagator
{
    private readonly TracePropagator _propagator;
    private readonly TrustPolicy _policy;
    private readonly ReadOnlySet<string> _fields;

    /// <summary>Creates the propagator with the default <see cref="PropagationOptions"/>, trusting inbound context.</summary>
    public PropagationTextMapPropagator()
        : this(new TracePropagator(), TrustPolicy.Continue)
    {
    }

    /// <summary>Creates the propagator.</summary>
    /// <param name="propagator">The composite propagator to use.</param>
    /// <param name="policy">The trust policy applied to every extraction.</param>
    /// <exception cref="ArgumentNullException"><paramref name="propagator"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="policy"/> is not a defined value.</exception>
    public PropagationTextMapPropagator(TracePropagator propagator, TrustPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(propagator);
        if (policy is < TrustPolicy.Continue or > TrustPolicy.Ignore)
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy, "Use Continue, ContinueIgnoreSampling, RestartAndLink or Ignore.");
        }

        _propagator = propagator;
        _policy = policy;
        _fields = new ReadOnlySet<string>(new HashSet<string>(propagator.Fields, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>Gets the composite propagator this adapter uses.</summary>
    public TracePropagator Propagator => _propagator;

    /// <summary>Gets the trust policy applied to every extraction.</summary>
    public TrustPolicy Policy => _policy;

    /// <inheritdoc/>
    /// <remarks>A read-only set (one per instance): changing it throws <see cref="NotSupportedException"/>.</remarks>
    public override ISet<string> Fields => _fields;

    /// <inheritdoc/>
    public override OtelPropagationContext Extract<T>(OtelPropagationContext context, T carrier, Func<T, string, IEnumerable<string>?> getter)
    {
        if (carrier is null || getter is null)
        {
            return context;
        }

        // OpenTelemetry's own convention (ActivityContextExtensions.IsValid, Baggage's equality): anything
        // an earlier propagator put there counts as found.
        var hasContext = context.ActivityContext != default;
        var hasBaggage = context.Baggage != default;
        if (hasContext && hasBaggage)
        {
            return context;
        }

        try
        {
            return ExtractCore(context, new Carrier<T>(carrier, getter), hasContext, hasBaggage);
        }
        catch (Exception ex)
        {
            // Only the application's getter can throw here: the codecs never throw for wire data.
            PropagationEventSource.Log.ExtractFailed(ex);
            return context;
        }
    }

    /// <inheritdoc/>
    public override void Inject<T>(OtelPropagationContext context, T carrier, Action<T, string, string> setter)
    {
        if (carrier is null || setter is null)
        {
            return;
        }

        var propagated = PropagatedContext.FromActivityContext(context.ActivityContext);
        var baggage = FromOtelBaggage(context.Baggage);
        _propagator.Inject(propagated, baggage, new SetterCarrier<T>(carrier, setter), SetterCarrier<T>.Setter);
    }

    private OtelPropagationContext ExtractCore<T>(OtelPropagationContext context, Carrier<T> reader, bool hasContext, bool hasBaggage)
    {
        if (hasContext)
        {
            // The trace context is kept: the trace formats are not read (nothing about them is counted, no
            // restart is reported for a trace that was not restarted); only baggage is still looked for.
            return new OtelPropagationContext(context.ActivityContext, ExtractBaggageOnly(reader, context.Baggage));
        }

        var result = _propagator.Extract(reader, Carrier<T>.Getter, _policy);
        var activityContext = result.ToActivityContext();
        var baggage = hasBaggage ? context.Baggage : ToOtelBaggage(result.Baggage, context.Baggage);
        return new OtelPropagationContext(activityContext, baggage);
    }

    /// <summary>
    /// Reads only the <c>baggage</c> header, as <see cref="TracePropagator.Extract"/> would under this instance's
    /// policy (read for <see cref="TrustPolicy.Continue"/> and <see cref="TrustPolicy.ContinueIgnoreSampling"/>,
    /// dropped otherwise), and records the request and its baggage issues in the health.
    /// </summary>
    private OtelBaggage ExtractBaggageOnly<T>(Carrier<T> reader, OtelBaggage fallback)
    {
        var issues = PropagationIssues.None;
        var baggage = _propagator.ExtractBaggageOnly(reader, Carrier<T>.Getter, _policy, ref issues);
        _propagator.Health?.Record(issues);
        return baggage is null ? fallback : ToOtelBaggage(baggage, fallback);
    }

    private static OtelBaggage ToOtelBaggage(Baggage baggage, OtelBaggage fallback)
    {
        if (baggage.IsEmpty)
        {
            return fallback;
        }

        // OpenTelemetry's Baggage holds one value per key. A repeated key keeps its first value, the one
        // Baggage.TryGetValue and, on the BCL path, Activity.GetBaggageItem read (keys compared ordinally).
        var items = new Dictionary<string, string>(baggage.Count, StringComparer.Ordinal);
        foreach (var member in baggage)
        {
            items.TryAdd(member.Key, member.Value);
        }

        return OtelBaggage.Create(items);
    }

    private static Baggage? FromOtelBaggage(OtelBaggage baggage)
    {
        if (baggage == default || baggage.Count == 0)
        {
            return null;
        }

        // OpenTelemetry's Baggage takes any string as a key; W3C Baggage only tokens. A member that cannot be
        // written is left out (as OpenTelemetry's BaggagePropagator does), never an exception from Inject.
        var members = new List<BaggageMember>(baggage.Count);
        foreach (var pair in baggage)
        {
            if (pair.Key is not null && BaggageMember.IsValidKey(pair.Key))
            {
                members.Add(new BaggageMember(pair.Key, pair.Value ?? string.Empty));
            }
        }

        return members.Count == 0 ? null : Baggage.Create(members);
    }

    private readonly struct Carrier<T>
    {
        public static readonly HeaderGetter<Carrier<T>> Getter = static (carrier, name) =>
        {
            var values = carrier.Read(carrier.Value, name);
            switch (values)
            {
                case null:
                    return default;
                case string?[] array:
                    return array.Length == 1 ? new HeaderValues(array[0]) : new HeaderValues(array);
                case IReadOnlyList<string> list when list.Count == 1:
                    return new HeaderValues(list[0]);
                default:
                    return new HeaderValues([.. values]);
            }
        };

        public Carrier(T value, Func<T, string, IEnumerable<string>?> read)
        {
            Value = value;
            Read = read;
        }

        public T Value { get; }

        public Func<T, string, IEnumerable<string>?> Read { get; }
    }

    private readonly struct SetterCarrier<T>
    {
        public static readonly HeaderSetter<SetterCarrier<T>> Setter = static (carrier, name, value) => carrier.Write(carrier.Value, name, value);

        public SetterCarrier(T value, Action<T, string, string> write)
        {
            Value = value;
            Write = write;
        }

        public T Value { get; }

        public Action<T, string, string> Write { get; }
    }
}
