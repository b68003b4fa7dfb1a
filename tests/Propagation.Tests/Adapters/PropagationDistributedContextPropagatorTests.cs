using System.Diagnostics;

namespace Propagation.Tests.Adapters;

public class PropagationDistributedContextPropagatorTests
{
    private const string W3CTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string TraceParent = "00-" + W3CTrace + "-00f067aa0ba902b7-01";

    private static readonly DistributedContextPropagator.PropagatorGetterCallback DictionaryGetter =
        static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            value = null;
            var headers = (Dictionary<string, string[]>)carrier!;
            if (headers.TryGetValue(name, out var lines))
            {
                if (lines.Length == 1)
                {
                    value = lines[0];
                }
                else
                {
                    values = lines;
                }
            }
        };

    private static readonly DistributedContextPropagator.PropagatorSetterCallback RequestSetter =
        static (carrier, name, value) =>
        {
            var request = (HttpRequestMessage)carrier!;
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        };

    private static Dictionary<string, string[]> Headers(params (string Name, string Value)[] headers)
    {
        var result = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            result[name] = value.Split('\u001E');
        }

        return result;
    }

    [Fact]
    public void ExtractTraceIdAndState_TraceParent_ReturnsItWithState()
    {
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator());

        adapter.ExtractTraceIdAndState(Headers(("traceparent", TraceParent), ("tracestate", "a=1")), DictionaryGetter, out var traceId, out var traceState);

        Assert.Equal(TraceParent, traceId);
        Assert.Equal("a=1", traceState);
    }

    [Fact]
    public void ExtractTraceIdAndState_LegacyPair_ReturnsSynthesizedTraceParent()
    {
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator());

        adapter.ExtractTraceIdAndState(Headers(("X-Trace-ID", "4BF92F35-77B3-4DA6-A3CE-929D0E0E4736"), ("X-Span-ID", "00F067AA0BA902B7")), DictionaryGetter, out var traceId, out var traceState);

        Assert.Equal(TraceParent, traceId);
        Assert.Null(traceState);
        Assert.True(ActivityContext.TryParse(traceId, traceState, isRemote: true, out var parsed));
        Assert.Equal(W3CTrace, parsed.TraceId.ToHexString());
    }

    [Fact]
    public void ExtractTraceIdAndState_LegacyTraceIdAlone_UsesSyntheticParentSpan()
    {
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator());

        adapter.ExtractTraceIdAndState(Headers(("x-trace-id", "a3ce929d0e0e4736")), DictionaryGetter, out var traceId, out _);

        Assert.Equal("00-0000000000000000a3ce929d0e0e4736-a3ce929d0e0e4736-01", traceId);
    }

    [Fact]
    public void ExtractTraceIdAndState_B3Unsampled_ReturnsUnsampledTraceParent()
    {
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator());

        adapter.ExtractTraceIdAndState(Headers(("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-0")), DictionaryGetter, out var traceId, out _);

        Assert.Equal("00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-00", traceId);
    }

    [Fact]
    public void ExtractTraceIdAndState_MultiLineTraceParent_IsRejected()
    {
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator());

        adapter.ExtractTraceIdAndState(Headers(("traceparent", TraceParent + "\u001E" + TraceParent)), DictionaryGetter, out var traceId, out _);

        Assert.Null(traceId);
    }

    [Theory]
    [InlineData(TrustPolicy.RestartAndLink)]
    [InlineData(TrustPolicy.Ignore)]
    public void ExtractTraceIdAndState_UntrustedPolicy_ReturnsNoParentAndNoBaggage(TrustPolicy policy)
    {
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator(), _ => policy, null);
        var headers = Headers(("traceparent", TraceParent), ("baggage", "k=v"));

        adapter.ExtractTraceIdAndState(headers, DictionaryGetter, out var traceId, out var traceState);
        var baggage = adapter.ExtractBaggage(headers, DictionaryGetter);

        Assert.Null(traceId);
        Assert.Null(traceState);
        Assert.Null(baggage);
    }

    [Fact]
    public void ExtractTraceIdAndState_PolicySelector_ReceivesTheCarrier()
    {
        object? seen = null;
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator(), carrier =>
        {
            seen = carrier;
            return TrustPolicy.Continue;
        }, null);
        var headers = Headers(("traceparent", TraceParent));

        adapter.ExtractTraceIdAndState(headers, DictionaryGetter, out _, out _);

        Assert.Same(headers, seen);
    }

    [Fact]
    public void ExtractBaggage_Valid_ReturnsMembersLastFirstAsTheBclPropagatorDoes()
    {
        // The DistributedContextPropagator contract: items come in reverse header order, because the
        // caller adds them with Activity.AddBaggage, which prepends.
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator());
        var headers = Headers(("baggage", "userId=alice,isProduction=false"));

        var baggage = adapter.ExtractBaggage(headers, DictionaryGetter);
        var bcl = DistributedContextPropagator.CreateDefaultPropagator().ExtractBaggage(headers, DictionaryGetter);

        Assert.NotNull(baggage);
        Assert.Equal([new("isProduction", "false"), new("userId", "alice")], baggage);
        Assert.Equal(bcl, baggage);
    }

    [Fact]
    public void ExtractBaggage_AddedToTheActivityAsHostingDoes_KeepsHeaderOrderAndTheFirstOfARepeatedKey()
    {
        // Arrange: what ASP.NET Core hosting does with the propagator (HostingApplicationDiagnostics):
        // extract, start the server activity, then AddBaggage each returned item in the order returned.
        const string Inbound = "k=first,k=second,other=1";
        using var source = new ActivitySource(nameof(ExtractBaggage_AddedToTheActivityAsHostingDoes_KeepsHeaderOrderAndTheFirstOfARepeatedKey) + Guid.NewGuid());
        using var listener = StartListener(source);
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator());
        var headers = Headers(("traceparent", TraceParent), ("baggage", Inbound));
        var issues = PropagationIssues.None;
        Assert.True(BaggageFormat.Instance.TryExtract(Inbound, static (value, _) => new HeaderValues(value), out var ours, ref issues));

        // Act
        adapter.ExtractTraceIdAndState(headers, DictionaryGetter, out var traceId, out _);
        using var activity = source.StartActivity("server", ActivityKind.Server, traceId)!;
        foreach (var item in adapter.ExtractBaggage(headers, DictionaryGetter)!)
        {
            activity.AddBaggage(item.Key, item.Value);
        }

        using var outbound = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/");
        adapter.Inject(activity, outbound, RequestSetter);

        // Assert: the activity agrees with the library's own reading, and the next hop gets that reading (the
        // repeated key once, with the value both read).
        Assert.Equal([new("k", "first"), new("k", "second"), new("other", "1")], activity.Baggage);
        Assert.True(ours.TryGetValue("k", out var first));
        Assert.Equal(first, activity.GetBaggageItem("k"));
        Assert.Equal("first", activity.GetBaggageItem("k"));
        Assert.Equal(["k=first,other=1"], outbound.Headers.GetValues("baggage"));
    }

    [Fact]
    public void ExtractBaggage_None_ReturnsNull()
    {
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator());

        Assert.Null(adapter.ExtractBaggage(Headers(), DictionaryGetter));
        Assert.Null(adapter.ExtractBaggage(Headers(), null));
    }

    [Fact]
    public void Extract_WithHealth_CountsOneRequestWithTraceAndBaggageIssues()
    {
        var health = new PropagationHealth();
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator(new PropagationOptions(), health));
        var headers = Headers(("traceparent", "00-bad"), ("baggage", "=novalue"));

        adapter.ExtractTraceIdAndState(headers, DictionaryGetter, out _, out _);
        adapter.ExtractBaggage(headers, DictionaryGetter);

        Assert.Equal(1, health.TotalRequests);
        Assert.Equal(1, health.GetCount(PropagationIssues.TraceParentInvalid));
        Assert.Equal(1, health.GetCount(PropagationIssues.BaggageInvalid));
    }

    [Fact]
    public void Extract_RecordHealthOff_CountsNothing()
    {
        var health = new PropagationHealth();
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator(new PropagationOptions(), health)) { RecordHealth = false };

        adapter.ExtractTraceIdAndState(Headers(("traceparent", "00-bad")), DictionaryGetter, out _, out _);

        Assert.Equal(0, health.TotalRequests);
    }

    [Fact]
    public void Inject_HttpRequestMessage_WritesConfiguredFormatsOnce()
    {
        using var source = new ActivitySource(nameof(Inject_HttpRequestMessage_WritesConfiguredFormatsOnce) + Guid.NewGuid());
        using var listener = StartListener(source);
        using var activity = source.StartActivity("client", ActivityKind.Client)!;
        activity.TraceStateString = "v=1";
        activity.AddBaggage("tenant", "acme");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/");
        request.Headers.TryAddWithoutValidation("traceparent", "00-stale");
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator());

        adapter.Inject(activity, request, RequestSetter);

        var expected = $"00-{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-01";
        Assert.Equal([expected], request.Headers.GetValues("traceparent"));
        Assert.Equal(["v=1"], request.Headers.GetValues("tracestate"));
        Assert.Equal(["tenant=acme"], request.Headers.GetValues("baggage"));
        Assert.Equal([activity.TraceId.ToHexString()], request.Headers.GetValues("X-Trace-ID"));
        Assert.Equal([activity.SpanId.ToHexString()], request.Headers.GetValues("X-Span-ID"));
    }

    [Fact]
    public void Inject_ChildOverridesParentBaggage_WritesTheKeyOnceWithTheChildsValue()
    {
        using var source = new ActivitySource(nameof(Inject_ChildOverridesParentBaggage_WritesTheKeyOnceWithTheChildsValue) + Guid.NewGuid());
        using var listener = StartListener(source);
        using var parent = source.StartActivity("parent")!;
        parent.AddBaggage("tenant", "acme");
        parent.AddBaggage("k", "old");
        using var activity = source.StartActivity("client", ActivityKind.Client)!;
        activity.SetBaggage("k", "new");
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/");
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator());

        adapter.Inject(activity, request, RequestSetter);

        Assert.Equal(["k=new,tenant=acme"], request.Headers.GetValues("baggage"));
    }

    [Fact]
    public void Inject_ScopeSelectorForThirdParty_WritesOnlyTraceParent()
    {
        using var source = new ActivitySource(nameof(Inject_ScopeSelectorForThirdParty_WritesOnlyTraceParent) + Guid.NewGuid());
        using var listener = StartListener(source);
        using var activity = source.StartActivity("client", ActivityKind.Client)!;
        activity.TraceStateString = "v=1";
        activity.AddBaggage("secret", "s");
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator(), null, carrier =>
            carrier is HttpRequestMessage { RequestUri.Host: "third.party.example" } ? InjectionScope.TraceParentOnly : InjectionScope.Full);
        using var external = new HttpRequestMessage(HttpMethod.Get, "http://third.party.example/");
        using var internalRequest = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/");

        adapter.Inject(activity, external, RequestSetter);
        adapter.Inject(activity, internalRequest, RequestSetter);

        Assert.Equal(["traceparent"], external.Headers.Select(h => h.Key));
        Assert.True(internalRequest.Headers.Contains("baggage"));
    }

    [Fact]
    public void Inject_DictionaryCarrierAndNullArguments_Handled()
    {
        using var source = new ActivitySource(nameof(Inject_DictionaryCarrierAndNullArguments_Handled) + Guid.NewGuid());
        using var listener = StartListener(source);
        using var activity = source.StartActivity("client")!;
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator());
        var carrier = new Dictionary<string, string>();

        adapter.Inject(activity, carrier, static (c, name, value) => ((Dictionary<string, string>)c!)[name] = value);
        adapter.Inject(null, carrier, static (c, name, value) => throw new InvalidOperationException("must not be called"));
        adapter.Inject(activity, carrier, null);

        Assert.Equal(activity.TraceId.ToHexString(), carrier["X-Trace-ID"]);
        Assert.Equal(3, carrier.Count);
    }

    [Fact]
    public void InjectThenExtract_ThroughAdapter_ContinuesTheTrace()
    {
        using var source = new ActivitySource(nameof(InjectThenExtract_ThroughAdapter_ContinuesTheTrace) + Guid.NewGuid());
        using var listener = StartListener(source);
        using var client = source.StartActivity("client", ActivityKind.Client)!;
        var adapter = new PropagationDistributedContextPropagator(new TracePropagator(new PropagationOptions { InjectFormats = [PropagationFormat.Legacy] }));
        var carrier = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);

        adapter.Inject(client, carrier, static (c, name, value) => ((Dictionary<string, string[]>)c!)[name] = [value]);
        adapter.ExtractTraceIdAndState(carrier, DictionaryGetter, out var traceId, out var traceState);
        Assert.True(ActivityContext.TryParse(traceId, traceState, isRemote: true, out var parent));
        using var server = source.StartActivity("server", ActivityKind.Server, parent)!;

        Assert.Equal(client.TraceId, server.TraceId);
        Assert.Equal(client.SpanId, server.ParentSpanId);
    }

    [Fact]
    public void Fields_AreThePropagatorFields()
    {
        var propagator = new TracePropagator();

        var adapter = new PropagationDistributedContextPropagator(propagator);

        Assert.Equal(propagator.Fields, adapter.Fields);
        Assert.Same(propagator, adapter.Propagator);
    }

    private static ActivityListener StartListener(ActivitySource source)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
