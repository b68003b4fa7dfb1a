using System.Diagnostics;
using System.Diagnostics.Tracing;
using FsCheck;
using FsCheck.Fluent;
using OpenTelemetry.Context.Propagation;
using Propagation.OpenTelemetry;
using OtelBaggage = OpenTelemetry.Baggage;

namespace Propagation.Tests.Adapters;

public class PropagationTextMapPropagatorTests
{
    private static readonly Func<Dictionary<string, string>, string, IEnumerable<string>?> Getter =
        static (carrier, name) => carrier.TryGetValue(name, out var value) ? [value] : null;

    private static readonly Action<Dictionary<string, string>, string, string> Setter =
        static (carrier, name, value) => carrier[name] = value;

    private static Dictionary<string, string> Carrier(params (string Name, string Value)[] headers)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            result[name] = value;
        }

        return result;
    }

    [Fact]
    public void Extract_LegacyHeaders_ReturnsRemoteActivityContext()
    {
        var propagator = new PropagationTextMapPropagator();

        var result = propagator.Extract(default, Carrier(("X-Trace-ID", "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"), ("X-Span-ID", "00f067aa0ba902b7")), Getter);

        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", result.ActivityContext.TraceId.ToHexString());
        Assert.Equal("00f067aa0ba902b7", result.ActivityContext.SpanId.ToHexString());
        Assert.True(result.ActivityContext.IsRemote);
        Assert.Equal(ActivityTraceFlags.Recorded, result.ActivityContext.TraceFlags);
    }

    [Fact]
    public void Extract_B3SingleAndBaggage_ReturnsContextAndOpenTelemetryBaggage()
    {
        var propagator = new PropagationTextMapPropagator();
        var carrier = Carrier(("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-0"), ("baggage", "userId=alice"));

        var result = propagator.Extract(default, carrier, Getter);

        Assert.Equal("80f198ee56343ba864fe8b2a57d3eff7", result.ActivityContext.TraceId.ToHexString());
        Assert.Equal(ActivityTraceFlags.None, result.ActivityContext.TraceFlags);
        Assert.Equal("alice", result.Baggage.GetBaggage("userId"));
    }

    [Fact]
    public void Extract_ContextAlreadyValid_IsKept()
    {
        var existing = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, null, isRemote: true);
        var propagator = new PropagationTextMapPropagator();

        var result = propagator.Extract(new PropagationContext(existing, default), Carrier(("X-Trace-ID", "a3ce929d0e0e4736")), Getter);

        Assert.Equal(existing, result.ActivityContext);
    }

    [Fact]
    public void Extract_ContextKept_ReadsOnlyBaggageAndCountsNoRestart()
    {
        // Arrange: an earlier propagator of a composite found a context; this one would restart the trace.
        var existing = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, null, isRemote: true);
        var health = new PropagationHealth();
        var restarting = new PropagationTextMapPropagator(new TracePropagator(new PropagationOptions(), health), TrustPolicy.RestartAndLink);
        var continuing = new PropagationTextMapPropagator(new TracePropagator(new PropagationOptions(), health), TrustPolicy.Continue);
        var carrier = Carrier(
            ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            ("X-Trace-ID", "80f198ee56343ba864fe8b2a57d3eff7"),
            ("baggage", "tenant=acme"));

        // Act
        var restarted = restarting.Extract(new PropagationContext(existing, default), carrier, Getter);
        var continued = continuing.Extract(new PropagationContext(existing, default), carrier, Getter);

        // Assert: the context is returned unchanged and the trace headers are not read, so neither a restart
        // nor a conflict is counted; baggage follows each instance's policy.
        Assert.Equal(existing, restarted.ActivityContext);
        Assert.Equal(existing, continued.ActivityContext);
        Assert.Equal(0, restarted.Baggage.Count);
        Assert.Equal("acme", continued.Baggage.GetBaggage("tenant"));
        Assert.Equal(0, health.GetCount(PropagationIssues.RestartedByPolicy));
        Assert.Equal(0, health.GetCount(PropagationIssues.FormatConflict));
        Assert.Equal(2, health.TotalRequests);
    }

    [Fact]
    public void Extract_ContextAndBaggageAlreadyPresent_ReturnsIncomingUnchanged()
    {
        // Arrange: any non-default context counts as found, as OpenTelemetry's IsValid() decides.
        var existing = new ActivityContext(ActivityTraceId.CreateRandom(), default, ActivityTraceFlags.None);
        var baggage = OtelBaggage.Create(new Dictionary<string, string> { ["k"] = "v" });
        var health = new PropagationHealth();
        var propagator = new PropagationTextMapPropagator(new TracePropagator(new PropagationOptions(), health), TrustPolicy.Continue);

        // Act
        var result = propagator.Extract(
            new PropagationContext(existing, baggage),
            Carrier(("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), ("baggage", "k=other")),
            Getter);

        // Assert
        Assert.Equal(existing, result.ActivityContext);
        Assert.Equal("v", result.Baggage.GetBaggage("k"));
        Assert.Equal(0, health.TotalRequests);
    }

    [Fact]
    public void Extract_RepeatedBaggageKey_KeepsFirstValueAsTracePropagatorDoes()
    {
        // Arrange: W3C Baggage does not forbid a repeated key; the library reads the first value everywhere
        // (Baggage.TryGetValue, hosting's Activity.GetBaggageItem, the gRPC interceptor).
        var propagator = new PropagationTextMapPropagator();
        var carrier = Carrier(
            ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            ("baggage", "tenant=first,user=alice,tenant=second"));
        var forwarded = new Dictionary<string, string>();

        // Act
        var result = propagator.Extract(default, carrier, Getter);
        propagator.Inject(result, forwarded, Setter);

        // Assert
        Assert.True(new TracePropagator().Extract<IDictionary<string, string>>(carrier, Carriers.DictionaryGetter, TrustPolicy.Continue).Baggage.TryGetValue("tenant", out var expected));
        Assert.Equal(expected, result.Baggage.GetBaggage("tenant"));
        Assert.Equal("first", result.Baggage.GetBaggage("tenant"));
        Assert.Equal("alice", result.Baggage.GetBaggage("user"));
        Assert.Contains("tenant=first", forwarded["baggage"], StringComparison.Ordinal);
        Assert.DoesNotContain("second", forwarded["baggage"], StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_BaggageKeyNotAToken_LeavesMemberOutWithoutThrowing()
    {
        // Arrange: OpenTelemetry's Baggage accepts any string key; W3C Baggage only tokens.
        var context = new PropagationContext(
            new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded),
            OtelBaggage.Create(new Dictionary<string, string> { ["user id"] = "1", ["tenant"] = "acme", ["ключ"] = "2", [""] = "3" }));
        var carrier = new Dictionary<string, string>();

        // Act
        new PropagationTextMapPropagator().Inject(context, carrier, Setter);

        // Assert
        Assert.Equal("tenant=acme", carrier["baggage"]);
        Assert.True(carrier.ContainsKey("traceparent"));
    }

    [Fact]
    public void Inject_OnlyInvalidBaggageKeys_WritesNoBaggageHeader()
    {
        var context = new PropagationContext(default, OtelBaggage.Create(new Dictionary<string, string> { ["a b"] = "1" }));
        var carrier = new Dictionary<string, string>();

        new PropagationTextMapPropagator().Inject(context, carrier, Setter);

        Assert.Empty(carrier);
    }

    [Fact]
    public void Fields_AreReadOnly()
    {
        var propagator = new PropagationTextMapPropagator();

        Assert.Throws<NotSupportedException>(() => propagator.Fields.Clear());
        Assert.Contains("traceparent", propagator.Fields);
    }

    [Fact]
    public void Extract_InvalidHeaders_ReturnsDefaultAndCountsHealth()
    {
        var health = new PropagationHealth();
        var propagator = new PropagationTextMapPropagator(new TracePropagator(new PropagationOptions(), health), TrustPolicy.Continue);

        var result = propagator.Extract(default, Carrier(("X-Trace-ID", "not-an-id")), Getter);

        Assert.Equal(default, result.ActivityContext);
        Assert.Equal(1, health.GetCount(PropagationIssues.LegacyInvalid));
    }

    [Fact]
    public void Extract_IgnorePolicy_ReturnsNothing()
    {
        var propagator = new PropagationTextMapPropagator(new TracePropagator(), TrustPolicy.Ignore);

        var result = propagator.Extract(default, Carrier(("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")), Getter);

        Assert.Equal(default, result.ActivityContext);
    }

    [Fact]
    public void Inject_ContextAndBaggage_WritesConfiguredFormats()
    {
        var traceId = ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736");
        var spanId = ActivitySpanId.CreateFromString("00f067aa0ba902b7");
        var context = new PropagationContext(
            new ActivityContext(traceId, spanId, ActivityTraceFlags.Recorded),
            OtelBaggage.Create(new Dictionary<string, string> { ["tenant"] = "acme" }));
        var carrier = new Dictionary<string, string>();

        new PropagationTextMapPropagator().Inject(context, carrier, Setter);

        Assert.Equal("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", carrier["traceparent"]);
        Assert.Equal("tenant=acme", carrier["baggage"]);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", carrier["X-Trace-ID"]);
        Assert.Equal("00f067aa0ba902b7", carrier["X-Span-ID"]);
    }

    [Fact]
    public void Extract_InsideOpenTelemetryComposite_AddsLegacySupportToTraceContext()
    {
        var composite = new CompositeTextMapPropagator(
        [
            new TraceContextPropagator(),
            new PropagationTextMapPropagator(new TracePropagator(new PropagationOptions { ExtractFormats = [PropagationFormat.Legacy] }), TrustPolicy.Continue),
        ]);

        var legacyOnly = composite.Extract(default, Carrier(("X-Trace-ID", "80f198ee56343ba864fe8b2a57d3eff7"), ("X-Span-ID", "e457b5a2e4d86bd1")), Getter);
        var both = composite.Extract(
            default,
            Carrier(("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), ("X-Trace-ID", "80f198ee56343ba864fe8b2a57d3eff7")),
            Getter);

        Assert.Equal("80f198ee56343ba864fe8b2a57d3eff7", legacyOnly.ActivityContext.TraceId.ToHexString());
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", both.ActivityContext.TraceId.ToHexString());
    }

    [Fact]
    public void Fields_ContainEveryConfiguredHeader()
    {
        var fields = new PropagationTextMapPropagator().Fields;

        Assert.Contains("traceparent", fields);
        Assert.Contains("x-trace-id", fields);
        Assert.Contains("X-B3-TraceId", fields);
        Assert.Contains("baggage", fields);
    }

    [Fact]
    public void Extract_GetterThrows_ReturnsIncomingContextAndWarnsWithTheTypeOnly()
    {
        var propagator = new PropagationTextMapPropagator();
        var incoming = new PropagationContext(default, OtelBaggage.Create(new Dictionary<string, string> { ["tenant"] = "t1" }));
        using var listener = new WarningListener("Propagation-OpenTelemetry");

        var result = propagator.Extract(incoming, "carrier", static (_, name) => throw new FormatException("secret-" + name));

        Assert.Equal(incoming, result);
        var warning = Assert.Single(listener.Events);
        Assert.Equal(EventLevel.Warning, warning.Level);
        Assert.Equal(typeof(FormatException).FullName, Assert.Single(warning.Payload!));
        Assert.DoesNotContain("secret", string.Join(" ", warning.Payload!), StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_GetterThrowsWhileOnlyBaggageIsRead_KeepsTheIncomingContext()
    {
        var existing = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, null, isRemote: true);
        var propagator = new PropagationTextMapPropagator();

        var result = propagator.Extract(new PropagationContext(existing, default), "carrier", static (_, _) => throw new InvalidOperationException());

        Assert.Equal(existing, result.ActivityContext);
        Assert.Equal(default, result.Baggage);
    }

    [Fact]
    public void Extract_NullCarrierOrGetter_ReturnsIncomingContext()
    {
        var incoming = new PropagationContext(default, OtelBaggage.Create(new Dictionary<string, string> { ["tenant"] = "t1" }));
        var propagator = new PropagationTextMapPropagator();

        var nullCarrier = propagator.Extract(incoming, (Dictionary<string, string>)null!, Getter);
        var nullGetter = propagator.Extract(incoming, Carrier(("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")), null!);

        Assert.Equal(incoming, nullCarrier);
        Assert.Equal(incoming, nullGetter);
    }

    [Theory]
    [InlineData(0, "getter returns null")]
    [InlineData(1, "getter returns an empty sequence")]
    [InlineData(2, "getter returns a sequence holding null")]
    public void Extract_GetterReturnsNoValue_ReturnsIncomingContextWithoutIssues(int shape, string reason)
    {
        var health = new PropagationHealth();
        var propagator = new PropagationTextMapPropagator(new TracePropagator(new PropagationOptions(), health), TrustPolicy.Continue);
        Func<string, string, IEnumerable<string>?> getter = shape switch
        {
            0 => static (_, _) => null,
            1 => static (_, _) => [],
            _ => static (_, _) => [null!],
        };

        var result = propagator.Extract(default, "carrier", getter);

        Assert.True(result.ActivityContext == default, reason);
        Assert.True(result.Baggage == default, reason);
        Assert.True(health.GetCount(PropagationIssues.TraceParentInvalid) == 0 && health.GetCount(PropagationIssues.LegacyInvalid) == 0, reason);
    }

    [Fact]
    public void ExtractThenInject_TraceState_IsPassedThrough()
    {
        var propagator = new PropagationTextMapPropagator();
        var carrier = Carrier(("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), ("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"));
        var forwarded = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        var result = propagator.Extract(default, carrier, Getter);
        propagator.Inject(result, forwarded, Setter);

        Assert.Equal("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", result.ActivityContext.TraceState);
        Assert.True(result.ActivityContext.IsRemote);
        Assert.Equal("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", forwarded["tracestate"]);
    }

    [Fact]
    public void Inject_DefaultContextWithBaggage_WritesOnlyBaggage()
    {
        var context = new PropagationContext(default, OtelBaggage.Create(new Dictionary<string, string> { ["tenant"] = "acme" }));
        var carrier = new Dictionary<string, string>();

        new PropagationTextMapPropagator().Inject(context, carrier, Setter);

        Assert.Equal(["baggage"], carrier.Keys);
        Assert.Equal("tenant=acme", carrier["baggage"]);
    }

    [Fact]
    public void Inject_DefaultContextNoBaggageOrNullArguments_WritesNothing()
    {
        var propagator = new PropagationTextMapPropagator();
        var carrier = new Dictionary<string, string>();
        var context = new PropagationContext(new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded), default);

        propagator.Inject(default, carrier, Setter);
        propagator.Inject(context, (Dictionary<string, string>)null!, Setter);
        propagator.Inject(context, carrier, null!);

        Assert.Empty(carrier);
    }

    [Theory]
    [InlineData("b3", "0")]
    [InlineData("X-B3-Sampled", "0")]
    public void Extract_B3DenyWithoutIds_ReturnsNoContext(string name, string value)
    {
        // A deny-only decision carries no ids, and an OpenTelemetry PropagationContext has nowhere to hold it.
        var propagator = new PropagationTextMapPropagator(
            new TracePropagator(new PropagationOptions { ExtractFormats = [PropagationFormat.B3Single, PropagationFormat.B3] }),
            TrustPolicy.Continue);

        var result = propagator.Extract(default, Carrier((name, value)), Getter);

        Assert.Equal(default, result.ActivityContext);
    }

    [Fact]
    public void Constructor_UndefinedPolicy_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PropagationTextMapPropagator(new TracePropagator(), (TrustPolicy)8));
    }

    [Fact]
    public void InjectThenExtract_AnyContext_RoundTrips()
    {
        var propagator = new PropagationTextMapPropagator(
            new TracePropagator(new PropagationOptions { InjectFormats = [PropagationFormat.B3Single, PropagationFormat.Baggage] }),
            TrustPolicy.Continue);
        var property = Prop.ForAll<ulong, ulong, ulong>((high, low, span) =>
        {
            var traceId = new TraceId(high, low == 0 && high == 0 ? 1 : low).ToActivityTraceId();
            var spanId = new SpanId(span == 0 ? 1 : span).ToActivitySpanId();
            var flags = (span & 1) == 0 ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None;
            var carrier = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

            propagator.Inject(new PropagationContext(new ActivityContext(traceId, spanId, flags), default), carrier, Setter);
            var result = propagator.Extract(default, carrier, Getter);

            return result.ActivityContext.TraceId == traceId && result.ActivityContext.SpanId == spanId && result.ActivityContext.TraceFlags == flags;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    private sealed class WarningListener : EventListener
    {
        private readonly string _name;
        private readonly List<EventWrittenEventArgs> _events = [];

        public WarningListener(string name)
        {
            _name = name;
            foreach (var source in EventSource.GetSources())
            {
                OnEventSourceCreated(source);
            }
        }

        public IReadOnlyList<EventWrittenEventArgs> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            // Called by the base constructor before _name is set, and again from this constructor.
            if (_name is not null && eventSource.Name == _name)
            {
                EnableEvents(eventSource, EventLevel.Warning);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            lock (_events)
            {
                _events.Add(eventData);
            }
        }
    }
}
