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
/// <b>Extraction</b> follows OpenTelemetry's convention: an <see cref="ActivityContext"/> already
/// valid in the incoming <see cref="OtelPropagationContext"/> (found by an earlier propagator) is
/// kept, and so is non-empty incoming baggage. Otherwise the winning context of any configured
/// format becomes the <see cref="OtelPropagationContext.ActivityContext"/> (a trace id without a span
/// id gets the synthetic parent span id of <see cref="ExtractedContext.CreateSyntheticParentSpanId"/>).
/// The trust policy is fixed per instance; links (format conflicts, restarts) cannot be expressed
/// in a <see cref="OtelPropagationContext"/> and are dropped here, but they are still counted by the
/// propagator's <see cref="PropagationHealth"/>.
/// </para>
/// <para>
/// <b>Injection</b> writes the context and baggage in the configured inject formats; the setter
/// is expected to replace existing values.
/// </para>
/// </remarks>
public sealed class PropagationTextMapPropagator : OtelTextMapPropagator
{
    private readonly TracePropagator _propagator;
    private readonly TrustPolicy _policy;
    private readonly HashSet<string> _fields;

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
        _fields = new HashSet<string>(propagator.Fields, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Gets the composite propagator this adapter uses.</summary>
    public TracePropagator Propagator => _propagator;

    /// <summary>Gets the trust policy applied to every extraction.</summary>
    public TrustPolicy Policy => _policy;

    /// <inheritdoc/>
    public override ISet<string> Fields => _fields;

    /// <inheritdoc/>
    public override OtelPropagationContext Extract<T>(OtelPropagationContext context, T carrier, Func<T, string, IEnumerable<string>?> getter)
    {
        if (carrier is null || getter is null)
        {
            return context;
        }

        var hasContext = context.ActivityContext.TraceId != default && context.ActivityContext.SpanId != default;
        var hasBaggage = context.Baggage != default && context.Baggage.Count > 0;
        if (hasContext && hasBaggage)
        {
            return context;
        }

        var result = _propagator.Extract(new Carrier<T>(carrier, getter), Carrier<T>.Getter, _policy);
        var activityContext = hasContext ? context.ActivityContext : result.ToActivityContext();
        var baggage = hasBaggage ? context.Baggage : ToOtelBaggage(result.Baggage, context.Baggage);
        return new OtelPropagationContext(activityContext, baggage);
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

    private static OtelBaggage ToOtelBaggage(Baggage baggage, OtelBaggage fallback)
    {
        if (baggage.IsEmpty)
        {
            return fallback;
        }

        var items = new Dictionary<string, string>(baggage.Count, StringComparer.Ordinal);
        foreach (var member in baggage)
        {
            items[member.Key] = member.Value;
        }

        return OtelBaggage.Create(items);
    }

    private static Baggage? FromOtelBaggage(OtelBaggage baggage)
    {
        if (baggage == default || baggage.Count == 0)
        {
            return null;
        }

        var pairs = new KeyValuePair<string, string?>[baggage.Count];
        var i = 0;
        foreach (var pair in baggage)
        {
            if (i == pairs.Length)
            {
                break;
            }

            pairs[i++] = new KeyValuePair<string, string?>(pair.Key, pair.Value);
        }

        return Baggage.Create(i == pairs.Length ? pairs : pairs[..i]);
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
