using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

public sealed class HostingPropagatorTests
{
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string SpanId = "b7ad6b7169203331";

    private static readonly DistributedContextPropagator.PropagatorGetterCallback Getter =
        static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            ((Dictionary<string, string>)carrier!).TryGetValue(name, out value);
        };

    [Fact]
    public void ExtractTraceIdAndState_LegacyPair_FormatsW3CTraceParent()
    {
        // Arrange
        var propagator = Create();
        var carrier = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X-Trace-ID"] = TraceId, ["X-Span-ID"] = SpanId };

        // Act
        propagator.ExtractTraceIdAndState(carrier, Getter, out var traceId, out var traceState);

        // Assert
        Assert.Equal($"00-{TraceId}-{SpanId}-01", traceId);
        Assert.Null(traceState);
    }

    [Fact]
    public void ExtractTraceIdAndState_LegacyTraceIdAlone_UsesSyntheticParentSpanId()
    {
        // Arrange
        var propagator = Create();
        var carrier = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X-Trace-ID"] = TraceId };
        Assert.True(Propagation.TraceId.TryParse(TraceId, out var parsed));

        // Act
        propagator.ExtractTraceIdAndState(carrier, Getter, out var traceId, out _);

        // Assert
        Assert.Equal($"00-{TraceId}-{ExtractedContext.CreateSyntheticParentSpanId(parsed)}-01", traceId);
    }

    [Fact]
    public void ExtractTraceIdAndState_CurrentRequestHeaders_ReusesValidatedInboundTextAndExtractsOnce()
    {
        // Arrange
        var accessor = new HttpContextAccessor();
        var health = new PropagationHealth();
        var propagator = Create(accessor: accessor, health: health);
        var context = new DefaultHttpContext();
        var inbound = $"00-{TraceId}-{SpanId}-01";
        context.Request.Headers.TraceParent = inbound;
        context.Request.Headers.Baggage = "a=1,b=2";
        accessor.HttpContext = context;

        // Act
        propagator.ExtractTraceIdAndState(context.Request.Headers, Getter, out var traceId, out _);
        var baggage = propagator.ExtractBaggage(context.Request.Headers, Getter)!.ToList();

        // Assert
        Assert.Same(inbound, traceId);
        Assert.Equal(["b", "a"], baggage.Select(b => b.Key));
        Assert.NotNull(context.Features.Get<TracingRequestFeature>());
        accessor.HttpContext = null;
    }

    [Fact]
    public void ExtractTraceIdAndState_HeaderDictionaryWithoutAccessor_ReusesInboundTextAndHandsExtractionToMiddleware()
    {
        // Arrange
        var service = CreateService();
        var propagator = new HostingPropagator(service);
        IHeaderDictionary headers = new HeaderDictionary();
        var inbound = $"00-{TraceId}-{SpanId}-01";
        headers.TraceParent = inbound;
        headers.Baggage = "a=1";

        // Act
        propagator.ExtractTraceIdAndState(headers, Getter, out var traceId, out _);
        var baggage = propagator.ExtractBaggage(headers, Getter)!.ToList();

        // Assert
        Assert.Same(inbound, traceId);
        Assert.Equal("a", Assert.Single(baggage).Key);
        Assert.True(service.Handoff.TryTake(headers, out var handed));
        Assert.Equal(TraceId, handed.Parent.TraceId.ToString());
        Assert.Equal("1", handed.Baggage[0].Value);
    }

    [Fact]
    public void ExtractTraceIdAndState_UnknownFlagBits_FormatsInsteadOfReusing()
    {
        // Arrange
        var accessor = new HttpContextAccessor();
        var propagator = Create(accessor: accessor);
        var context = new DefaultHttpContext();
        context.Request.Headers.TraceParent = $"00-{TraceId}-{SpanId}-09";
        accessor.HttpContext = context;

        // Act
        propagator.ExtractTraceIdAndState(context.Request.Headers, Getter, out var traceId, out _);

        // Assert
        Assert.Equal($"00-{TraceId}-{SpanId}-01", traceId);
        accessor.HttpContext = null;
    }

    [Fact]
    public void ExtractBaggage_ForeignCarrierWithTrustRules_ReadsNoBaggage()
    {
        // Arrange: the carrier is not the current request's, so the caller is unknown and its trace is not continued.
        var propagator = Create(o => o.TrustedNetworks.Add("10.0.0.0/8"));
        var carrier = new Dictionary<string, string> { ["traceparent"] = $"00-{TraceId}-{SpanId}-01", ["baggage"] = "a=1" };

        // Act
        var baggage = propagator.ExtractBaggage(carrier, Getter);

        // Assert
        Assert.Null(baggage);
    }

    [Fact]
    public void ExtractBaggage_ForeignCarrierContinued_ReadsBaggageInCallbackOrder()
    {
        // Arrange
        var propagator = Create();
        var carrier = new Dictionary<string, string> { ["baggage"] = "a=1,b=2" };

        // Act
        var baggage = propagator.ExtractBaggage(carrier, Getter)!.ToList();

        // Assert: reversed, because Activity.AddBaggage prepends.
        Assert.Equal(["b", "a"], baggage.Select(b => b.Key));
        Assert.Equal(["2", "1"], baggage.Select(b => b.Value));
    }

    [Fact]
    public void ExtractTraceIdAndState_ForeignCarrierWithTrustRules_TreatedAsUntrusted()
    {
        // Arrange
        var propagator = Create(o => o.TrustedNetworks.Add("10.0.0.0/8"));
        var carrier = new Dictionary<string, string> { ["traceparent"] = $"00-{TraceId}-{SpanId}-01" };

        // Act
        propagator.ExtractTraceIdAndState(carrier, Getter, out var traceId, out _);

        // Assert
        Assert.Null(traceId);
    }

    [Fact]
    public void Inject_Activity_WritesConfiguredFormatsThroughSetter()
    {
        // Arrange
        var propagator = Create();
        using var activity = new Activity("op");
        activity.SetParentId(ActivityTraceId.CreateFromString(TraceId), ActivitySpanId.CreateFromString(SpanId), ActivityTraceFlags.Recorded);
        activity.AddBaggage("k", "v");
        activity.Start();
        var written = new Dictionary<string, string>();

        // Act
        propagator.Inject(activity, written, static (carrier, name, value) => ((Dictionary<string, string>)carrier!)[name] = value!);

        // Assert
        Assert.Equal($"00-{TraceId}-{activity.SpanId.ToHexString()}-01", written["traceparent"]);
        Assert.Equal(TraceId, written["X-Trace-ID"]);
        Assert.Equal("k=v", written["baggage"]);
    }

    private static HostingPropagator Create(Action<TracingOptions>? configure = null, IHttpContextAccessor? accessor = null, PropagationHealth? health = null) =>
        new(CreateService(configure, health), accessor);

    private static TracingService CreateService(Action<TracingOptions>? configure = null, PropagationHealth? health = null)
    {
        var options = new TracingOptions();
        configure?.Invoke(options);
        return new TracingService(Options.Create(options), NullLoggerFactory.Instance, health ?? new PropagationHealth());
    }
}
