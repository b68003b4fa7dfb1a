using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;

namespace Propagation.Tests.Composite;

public class TracePropagatorTests
{
    private const string W3CTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string W3CSpan = "00f067aa0ba902b7";
    private const string TraceParent = "00-" + W3CTrace + "-" + W3CSpan + "-01";
    private const string OtherTrace = "80f198ee56343ba864fe8b2a57d3eff7";
    private const string OtherSpan = "e457b5a2e4d86bd1";
    private static readonly TraceId W3CTraceId = new(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736);
    private static readonly TraceId OtherTraceId = new(0x80f198ee56343ba8, 0x64fe8b2a57d3eff7);

    [Fact]
    public void Extract_TraceParentOnly_ParentIsTraceContext()
    {
        var headers = TestHeaders.Of(("traceparent", TraceParent), ("tracestate", "congo=t61rcWkgMzE"));

        var result = new TracePropagator().Extract(headers, TestHeaders.Getter, TrustPolicy.Continue);

        Assert.True(result.HasParent);
        Assert.Equal(W3CTraceId, result.Parent.TraceId);
        Assert.Equal(new SpanId(0x00f067aa0ba902b7), result.Parent.SpanId);
        Assert.Equal("congo=t61rcWkgMzE", result.Parent.TraceState);
        Assert.Equal(PropagationFormat.TraceContext, result.Format);
        Assert.Empty(result.Links);
        Assert.Null(result.ToActivityLinks());
        Assert.Equal(PropagationIssues.None, result.Issues);
    }

    [Fact]
    public void Extract_NoHeaders_ReturnsNoParentAndNoIssues()
    {
        var result = new TracePropagator().Extract(new TestHeaders(), TestHeaders.Getter);

        Assert.False(result.HasParent);
        Assert.Equal(PropagationFormat.None, result.Format);
        Assert.True(result.Baggage.IsEmpty);
        Assert.Equal(PropagationIssues.None, result.Issues);
        Assert.Equal(default, result.ToActivityContext());
    }

    [Fact]
    public void Extract_FormatsAgreeOnTraceId_NoConflict()
    {
        var headers = TestHeaders.Of(
            ("traceparent", TraceParent),
            ("X-Trace-ID", W3CTrace.ToUpperInvariant()),
            ("X-Span-ID", "1111111111111111"),
            ("b3", W3CTrace + "-" + "2222222222222222-1"));

        var result = new TracePropagator().Extract(headers, TestHeaders.Getter);

        Assert.Equal(PropagationFormat.TraceContext, result.Format);
        Assert.Empty(result.Links);
        Assert.Equal(PropagationIssues.None, result.Issues);
    }

    [Fact]
    public void Extract_FormatsDisagree_WinnerByPrecedenceAndLoserLinked()
    {
        var headers = TestHeaders.Of(("traceparent", TraceParent), ("X-Trace-ID", OtherTrace), ("X-Span-ID", OtherSpan));

        var result = new TracePropagator().Extract(headers, TestHeaders.Getter);

        Assert.Equal(W3CTraceId, result.Parent.TraceId);
        Assert.Equal(PropagationIssues.FormatConflict, result.Issues);
        var link = Assert.Single(result.Links);
        Assert.Equal(PropagationLinkReason.FormatConflict, link.Reason);
        Assert.Equal(OtherTraceId, link.Context.TraceId);
        Assert.Equal(PropagationFormat.Legacy, link.Context.Format);
        var activityLink = Assert.Single(result.ToActivityLinks()!);
        Assert.Equal(OtherTrace, activityLink.Context.TraceId.ToHexString());
        Assert.Equal(OtherSpan, activityLink.Context.SpanId.ToHexString());
        var tags = activityLink.Tags!.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal("format_conflict", tags["propagation.link.reason"]);
        Assert.Equal("legacy", tags["propagation.link.format"]);
    }

    [Fact]
    public void Extract_ThreeDisagreeingFormats_KeepsEveryLoserInPrecedenceOrder()
    {
        var headers = TestHeaders.Of(
            ("traceparent", TraceParent),
            ("X-Trace-ID", OtherTrace),
            ("X-Span-ID", OtherSpan),
            ("X-B3-TraceId", "463ac35c9f6413ad"),
            ("X-B3-SpanId", "a2fb4a1d1a96d312"));

        var result = new TracePropagator().Extract(headers, TestHeaders.Getter);

        Assert.Equal(PropagationFormat.TraceContext, result.Format);
        Assert.Equal([PropagationFormat.Legacy, PropagationFormat.B3], result.Links.Select(l => l.Context.Format));
        Assert.Equal(2, result.ToActivityLinks()!.Count());
    }

    [Fact]
    public void Extract_CustomPrecedence_LegacyFirstWins()
    {
        var options = new PropagationOptions { ExtractFormats = [PropagationFormat.Legacy, PropagationFormat.TraceContext] };
        var headers = TestHeaders.Of(("traceparent", TraceParent), ("X-Trace-ID", OtherTrace), ("X-Span-ID", OtherSpan));

        var result = new TracePropagator(options).Extract(headers, TestHeaders.Getter);

        Assert.Equal(OtherTraceId, result.Parent.TraceId);
        Assert.Equal(PropagationFormat.Legacy, result.Format);
        Assert.Equal(PropagationFormat.TraceContext, Assert.Single(result.Links).Context.Format);
    }

    /// <summary>Every extraction order that ranks a legacy or B3 format above <c>traceparent</c>.</summary>
    public static TheoryData<PropagationFormat[]> OrdersRankingAnotherFormatFirst()
    {
        var data = new TheoryData<PropagationFormat[]>();
        PropagationFormat[] all = [PropagationFormat.TraceContext, PropagationFormat.Legacy, PropagationFormat.B3Single, PropagationFormat.B3];
        foreach (var order in Permutations(all))
        {
            if (order[0] != PropagationFormat.TraceContext)
            {
                data.Add(order);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OrdersRankingAnotherFormatFirst))]
    public void Extract_OtherFormatFirstAndTraceParentAgrees_KeepsTraceStateWithTheWinnersFlags(PropagationFormat[] order)
    {
        // The traceparent says "not sampled"; the winner's own rules (sampled) decide.
        var headers = WinnerHeaders(order[0], W3CTrace, W3CSpan);
        headers["traceparent"] = "00-" + W3CTrace + "-" + W3CSpan + "-00";
        headers["tracestate"] = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
        headers["baggage"] = "userId=alice";

        var result = new TracePropagator(new PropagationOptions { ExtractFormats = [.. order] }).Extract(headers, TestHeaders.Getter);

        Assert.Equal(order[0], result.Format);
        Assert.Equal(W3CTraceId, result.Parent.TraceId);
        Assert.Equal(new SpanId(0x00f067aa0ba902b7), result.Parent.SpanId);
        Assert.Equal("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", result.Parent.TraceState);
        Assert.Equal("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", result.Inbound.TraceState);
        Assert.Equal("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", result.ToActivityContext().TraceState);
        Assert.Equal(TraceFlags.Sampled, result.Parent.Flags);
        Assert.Equal("alice", Assert.Single(result.Baggage).Value);
        Assert.Empty(result.Links);
        Assert.Equal(PropagationIssues.None, result.Issues);
    }

    [Theory]
    [MemberData(nameof(OrdersRankingAnotherFormatFirst))]
    public void Extract_OtherFormatFirstAndTraceParentAgreesUnderIgnoreSampling_KeepsTraceState(PropagationFormat[] order)
    {
        var headers = WinnerHeaders(order[0], W3CTrace, W3CSpan);
        headers["traceparent"] = TraceParent;
        headers["tracestate"] = "a=1";

        var result = new TracePropagator(new PropagationOptions { ExtractFormats = [.. order] })
            .Extract(headers, TestHeaders.Getter, TrustPolicy.ContinueIgnoreSampling);

        Assert.Equal("a=1", result.Parent.TraceState);
        Assert.True(result.Parent.IsSampled);
    }

    [Theory]
    [MemberData(nameof(OrdersRankingAnotherFormatFirst))]
    public void Extract_OtherFormatFirstAndTraceParentAgreesUnderRestartAndLink_LinkHasNoTraceState(PropagationFormat[] order)
    {
        var headers = WinnerHeaders(order[0], W3CTrace, W3CSpan);
        headers["traceparent"] = TraceParent;
        headers["tracestate"] = "a=1";

        var result = new TracePropagator(new PropagationOptions { ExtractFormats = [.. order] })
            .Extract(headers, TestHeaders.Getter, TrustPolicy.RestartAndLink);

        Assert.False(result.HasParent);
        var link = Assert.Single(result.Links);
        Assert.Equal(PropagationLinkReason.RestartedByPolicy, link.Reason);
        Assert.Null(link.Context.TraceState);
    }

    [Theory]
    [MemberData(nameof(OrdersRankingAnotherFormatFirst))]
    public void Extract_OtherFormatFirstAndTraceParentConflicts_TraceStateStaysWithTheLinkedTraceParent(PropagationFormat[] order)
    {
        var headers = WinnerHeaders(order[0], W3CTrace, W3CSpan);
        headers["traceparent"] = "00-" + OtherTrace + "-" + OtherSpan + "-01";
        headers["tracestate"] = "a=1";

        var result = new TracePropagator(new PropagationOptions { ExtractFormats = [.. order] }).Extract(headers, TestHeaders.Getter);

        Assert.Equal(order[0], result.Format);
        Assert.Equal(W3CTraceId, result.Parent.TraceId);
        Assert.Null(result.Parent.TraceState);
        Assert.Null(result.ToActivityContext().TraceState);
        Assert.Equal(PropagationIssues.FormatConflict, result.Issues);
        var link = Assert.Single(result.Links);
        Assert.Equal(PropagationFormat.TraceContext, link.Context.Format);
        Assert.Equal(OtherTraceId, link.Context.TraceId);
        Assert.Equal("a=1", link.Context.TraceState);
        Assert.Equal("a=1", Assert.Single(result.ToActivityLinks()!).Context.TraceState);
    }

    [Theory]
    [MemberData(nameof(OrdersRankingAnotherFormatFirst))]
    public void Extract_OtherFormatFirstAndTraceParentNamesAnotherParentSpan_DropsItsTraceState(PropagationFormat[] order)
    {
        // Same trace, different caller span: the tracestate describes the traceparent's span, not the parent kept.
        var headers = WinnerHeaders(order[0], W3CTrace, OtherSpan);
        headers["traceparent"] = TraceParent;
        headers["tracestate"] = "a=1";

        var result = new TracePropagator(new PropagationOptions { ExtractFormats = [.. order] }).Extract(headers, TestHeaders.Getter);

        Assert.Equal(order[0], result.Format);
        Assert.Equal(W3CTraceId, result.Parent.TraceId);
        Assert.Equal(new SpanId(0xe457b5a2e4d86bd1), result.Parent.SpanId);
        Assert.Null(result.Parent.TraceState);
        Assert.Empty(result.Links);
        Assert.Equal(PropagationIssues.None, result.Issues);
    }

    [Fact]
    public void Extract_LegacyFirstWithOnlyATraceIdAndAgreeingTraceParent_DropsTraceStateUnderTheSyntheticParent()
    {
        var options = new PropagationOptions { ExtractFormats = [PropagationFormat.Legacy, PropagationFormat.TraceContext] };
        var headers = TestHeaders.Of(("X-Trace-ID", W3CTrace), ("traceparent", TraceParent), ("tracestate", "a=1"));

        var result = new TracePropagator(options).Extract(headers, TestHeaders.Getter);

        Assert.True(result.HasSyntheticParent);
        Assert.Null(result.Parent.TraceState);
    }

    [Fact]
    public void Extract_FormatNotConfigured_IsNotRead()
    {
        var options = new PropagationOptions { ExtractFormats = [PropagationFormat.TraceContext] };
        var headers = TestHeaders.Of(("X-Trace-ID", OtherTrace), ("X-Span-ID", OtherSpan));

        var result = new TracePropagator(options).Extract(headers, TestHeaders.Getter);

        Assert.False(result.HasParent);
        Assert.Equal(PropagationIssues.None, result.Issues);
    }

    [Fact]
    public void Extract_InvalidTraceParent_FallsBackToNextFormatAndReportsIt()
    {
        var headers = TestHeaders.Of(("traceparent", "00-zz-00f067aa0ba902b7-01"), ("b3", OtherTrace + "-" + OtherSpan + "-1"));

        var result = new TracePropagator().Extract(headers, TestHeaders.Getter);

        Assert.Equal(PropagationFormat.B3Single, result.Format);
        Assert.Equal(OtherTraceId, result.Parent.TraceId);
        Assert.True((result.Issues & PropagationIssues.TraceParentInvalid) != 0);
        Assert.Empty(result.Links);
    }

    [Fact]
    public void Extract_LegacyWithoutSpanId_HasSyntheticParent()
    {
        var headers = TestHeaders.Of(("X-Trace-ID", OtherTrace));

        var result = new TracePropagator().Extract(headers, TestHeaders.Getter);

        Assert.True(result.HasParent);
        Assert.True(result.HasSyntheticParent);
        Assert.Equal(PropagationIssues.LegacySpanIdMissing, result.Issues);
        var parent = result.ToActivityContext();
        Assert.Equal(OtherTrace, parent.TraceId.ToHexString());
        Assert.Equal(ExtractedContext.CreateSyntheticParentSpanId(OtherTraceId).ToString(), parent.SpanId.ToHexString());
        Assert.True(parent.IsRemote);
        Assert.Equal(ActivityTraceFlags.Recorded, parent.TraceFlags);
    }

    [Fact]
    public void Extract_ContinueUnsampled_KeepsFlagAndReportsArrivedUnsampled()
    {
        var headers = TestHeaders.Of(("traceparent", "00-" + W3CTrace + "-" + W3CSpan + "-00"));

        var result = new TracePropagator().Extract(headers, TestHeaders.Getter, TrustPolicy.Continue);

        Assert.False(result.Parent.IsSampled);
        Assert.Equal(ActivityTraceFlags.None, result.ToActivityContext().TraceFlags);
        Assert.Equal(PropagationIssues.ArrivedUnsampled, result.Issues);
    }

    [Fact]
    public void Extract_ContinueIgnoreSampling_ParentSampledAndInboundKept()
    {
        var headers = TestHeaders.Of(("traceparent", "00-" + W3CTrace + "-" + W3CSpan + "-00"), ("tracestate", "a=1"), ("baggage", "k=v"));

        var result = new TracePropagator().Extract(headers, TestHeaders.Getter, TrustPolicy.ContinueIgnoreSampling);

        Assert.Equal(W3CTraceId, result.Parent.TraceId);
        Assert.True(result.Parent.IsSampled);
        Assert.False(result.Inbound.IsSampled);
        Assert.Equal("a=1", result.Parent.TraceState);
        Assert.Equal("v", Assert.Single(result.Baggage).Value);
        Assert.Equal(PropagationIssues.SamplingIgnoredByPolicy | PropagationIssues.ArrivedUnsampled, result.Issues);
    }

    [Fact]
    public void Extract_RestartAndLink_NewRootLinkedWithoutStateOrBaggage()
    {
        var headers = TestHeaders.Of(("traceparent", TraceParent), ("tracestate", "a=1"), ("baggage", "k=v"));

        var result = new TracePropagator().Extract(headers, TestHeaders.Getter, TrustPolicy.RestartAndLink);

        Assert.False(result.HasParent);
        Assert.Equal(default, result.ToActivityContext());
        Assert.True(result.Baggage.IsEmpty);
        Assert.Equal(PropagationIssues.RestartedByPolicy, result.Issues);
        var link = Assert.Single(result.Links);
        Assert.Equal(PropagationLinkReason.RestartedByPolicy, link.Reason);
        Assert.Equal(W3CTraceId, link.Context.TraceId);
        Assert.Null(link.Context.TraceState);
        var activityLink = Assert.Single(result.ToActivityLinks()!);
        Assert.Null(activityLink.Context.TraceState);
        Assert.Contains(activityLink.Tags!, t => t.Key == "propagation.link.reason" && (string?)t.Value == "restarted_by_policy");
    }

    [Fact]
    public void Extract_RestartAndLinkWithConflict_LinksRestartFirstThenConflict()
    {
        var headers = TestHeaders.Of(("traceparent", TraceParent), ("X-Trace-ID", OtherTrace), ("X-Span-ID", OtherSpan));

        var result = new TracePropagator().Extract(headers, TestHeaders.Getter, TrustPolicy.RestartAndLink);

        Assert.Equal([PropagationLinkReason.RestartedByPolicy, PropagationLinkReason.FormatConflict], result.Links.Select(l => l.Reason));
        Assert.Equal(PropagationIssues.RestartedByPolicy | PropagationIssues.FormatConflict, result.Issues);
    }

    [Fact]
    public void Extract_RestartAndLinkWithoutInbound_ReportsNothing()
    {
        var result = new TracePropagator().Extract(new TestHeaders(), TestHeaders.Getter, TrustPolicy.RestartAndLink);

        Assert.Empty(result.Links);
        Assert.Equal(PropagationIssues.None, result.Issues);
    }

    [Fact]
    public void Extract_Ignore_NoParentNoLinksNoBaggageAndNothingParsed()
    {
        var headers = TestHeaders.Of(("traceparent", "garbage"), ("X-Trace-ID", OtherTrace), ("baggage", "k=v"));

        var result = new TracePropagator().Extract(headers, TestHeaders.Getter, TrustPolicy.Ignore);

        Assert.False(result.HasParent);
        Assert.False(result.Inbound.IsValid);
        Assert.Empty(result.Links);
        Assert.True(result.Baggage.IsEmpty);
        Assert.Equal(PropagationIssues.IgnoredByPolicy, result.Issues);
        Assert.Equal(TrustPolicy.Ignore, result.Policy);
    }

    [Fact]
    public void Extract_IgnoreWithoutHeaders_ReportsNothing()
    {
        var result = new TracePropagator().Extract(TestHeaders.Of(("accept", "*/*")), TestHeaders.Getter, TrustPolicy.Ignore);

        Assert.Equal(PropagationIssues.None, result.Issues);
    }

    [Theory]
    [InlineData("X-Trace-ID", false)] // a format written, never read
    [InlineData("baggage", false)] // baggage written, not read (ExtractBaggage off)
    [InlineData("traceparent", true)]
    public void Extract_Ignore_CountsOnlyHeadersOfFormatsRead(string name, bool counted)
    {
        var options = new PropagationOptions
        {
            ExtractFormats = [PropagationFormat.TraceContext],
            InjectFormats = [PropagationFormat.TraceContext, PropagationFormat.Legacy, PropagationFormat.Baggage],
            ExtractBaggage = false,
        };

        var result = new TracePropagator(options).Extract(TestHeaders.Of((name, "x")), TestHeaders.Getter, TrustPolicy.Ignore);

        Assert.Equal(counted ? PropagationIssues.IgnoredByPolicy : PropagationIssues.None, result.Issues);
    }

    [Fact]
    public void Extract_Baggage_ReadWhenEnabledAndSkippedWhenDisabled()
    {
        var headers = TestHeaders.Of(("traceparent", TraceParent), ("baggage", "userId=alice,serverNode=DF%2028"));

        var enabled = new TracePropagator().Extract(headers, TestHeaders.Getter);
        var disabled = new TracePropagator(new PropagationOptions { ExtractBaggage = false }).Extract(headers, TestHeaders.Getter);

        Assert.Equal(2, enabled.Baggage.Count);
        Assert.True(enabled.Baggage.TryGetValue("serverNode", out var node));
        Assert.Equal("DF 28", node);
        Assert.True(disabled.Baggage.IsEmpty);
    }

    [Theory]
    [InlineData("1")]
    [InlineData(null)]
    public void Extract_B3SingleDenyBesideMultiHeaderIds_TheSingleHeadersDenyWins(string? sampled)
    {
        // openzipkin/b3-propagation: the single header takes precedence over the multiple headers when extracting. A lone
        // "b3: 0" carries no ids, so the multiple headers' ids are kept (B3 propagates ids with a deny) under its deny.
        var headers = TestHeaders.Of(("b3", "0"), ("X-B3-TraceId", W3CTrace), ("X-B3-SpanId", W3CSpan));
        if (sampled is not null)
        {
            headers["X-B3-Sampled"] = sampled;
        }

        var result = new TracePropagator().Extract(headers, TestHeaders.Getter);

        Assert.True(result.HasParent);
        Assert.Equal(W3CTraceId, result.Parent.TraceId);
        Assert.Equal(PropagationFormat.B3, result.Parent.Format);
        Assert.False(result.Parent.IsSampled);
        Assert.False(result.SamplingDenied);
    }

    [Fact]
    public void Extract_B3SingleDenyRankedBelowMultiHeaders_TheMultiHeadersDecide()
    {
        var headers = TestHeaders.Of(("b3", "0"), ("X-B3-TraceId", W3CTrace), ("X-B3-SpanId", W3CSpan), ("X-B3-Sampled", "1"));
        var options = new PropagationOptions { ExtractFormats = [PropagationFormat.B3, PropagationFormat.B3Single] };

        var result = new TracePropagator(options).Extract(headers, TestHeaders.Getter);

        Assert.True(result.Parent.IsSampled);
    }

    [Fact]
    public void Extract_B3DenyOnly_SamplingDeniedUnderContinueOnly()
    {
        var headers = TestHeaders.Of(("b3", "0"));
        var propagator = new TracePropagator();

        var continued = propagator.Extract(headers, TestHeaders.Getter, TrustPolicy.Continue);
        var restarted = propagator.Extract(headers, TestHeaders.Getter, TrustPolicy.RestartAndLink);
        var ignoringSampling = propagator.Extract(headers, TestHeaders.Getter, TrustPolicy.ContinueIgnoreSampling);

        Assert.True(continued.SamplingDenied);
        Assert.False(continued.HasParent);
        Assert.False(restarted.SamplingDenied);
        Assert.False(ignoringSampling.SamplingDenied);
    }

    [Fact]
    public void Extract_WithHealth_RecordsEveryRequestsIssues()
    {
        var health = new PropagationHealth();
        var propagator = new TracePropagator(new PropagationOptions(), health);
        var conflicting = TestHeaders.Of(("traceparent", TraceParent), ("X-Trace-ID", OtherTrace), ("X-Span-ID", OtherSpan));

        propagator.Extract(conflicting, TestHeaders.Getter);
        propagator.Extract(conflicting, TestHeaders.Getter, TrustPolicy.RestartAndLink);
        propagator.Extract(new TestHeaders(), TestHeaders.Getter);

        Assert.Equal(3, health.TotalRequests);
        Assert.Equal(2, health.GetCount(PropagationIssues.FormatConflict));
        Assert.Equal(1, health.GetCount(PropagationIssues.RestartedByPolicy));
        Assert.Equal(0, health.GetCount(PropagationIssues.TraceParentInvalid));
    }

    [Fact]
    public void Extract_UndefinedPolicy_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TracePropagator().Extract(new TestHeaders(), TestHeaders.Getter, (TrustPolicy)9));
    }

    [Theory]
    [InlineData(TrustPolicy.Continue)]
    [InlineData(TrustPolicy.Ignore)]
    public void Extract_NullCarrierWhateverTheFormats_ThrowsArgumentNullException(TrustPolicy policy)
    {
        // The W3C codec rejected a null carrier; with other formats first (or none) it reached the app's getter.
        var propagator = new TracePropagator(new PropagationOptions { ExtractFormats = [PropagationFormat.B3, PropagationFormat.Legacy] });

        var ex = Assert.Throws<ArgumentNullException>(() => propagator.Extract<TestHeaders>(null!, TestHeaders.Getter, policy));

        Assert.Equal("carrier", ex.ParamName);
    }

    [Fact]
    public void Inject_NullCarrier_ThrowsArgumentNullException()
    {
        var propagator = new TracePropagator(new PropagationOptions { InjectFormats = [PropagationFormat.B3Single, PropagationFormat.TraceContext] });
        var context = new PropagatedContext(new TraceId(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736), new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled, null, PropagationFormat.None);
        using var activity = new Activity("op").SetIdFormat(ActivityIdFormat.W3C).Start();

        var fromContext = Assert.Throws<ArgumentNullException>(() => propagator.Inject<TestHeaders>(context, null, null!, TestHeaders.Setter));
        var fromActivity = Assert.Throws<ArgumentNullException>(() => propagator.Inject<TestHeaders>(activity, null!, TestHeaders.Setter));

        Assert.Equal("carrier", fromContext.ParamName);
        Assert.Equal("carrier", fromActivity.ParamName);
    }

    [Fact]
    public void Extract_NullGetter_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new TracePropagator().Extract(new TestHeaders(), null!));
    }

    [Fact]
    public void Inject_DefaultFormats_WritesTraceContextBaggageAndLegacy()
    {
        var context = new PropagatedContext(W3CTraceId, new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled, "a=1", PropagationFormat.None);
        var headers = new TestHeaders();

        new TracePropagator().Inject(context, Baggage.Create([new KeyValuePair<string, string?>("k", "v")]), headers, TestHeaders.Setter);

        Assert.Equal(TraceParent, headers["traceparent"]);
        Assert.Equal("a=1", headers["tracestate"]);
        Assert.Equal("k=v", headers["baggage"]);
        Assert.Equal(W3CTrace, headers["X-Trace-ID"]);
        Assert.Equal(W3CSpan, headers["X-Span-ID"]);
        Assert.Null(headers["b3"]);
        Assert.Null(headers["X-B3-TraceId"]);
    }

    [Fact]
    public void Inject_TraceParentOnly_WritesOnlyTraceParent()
    {
        var context = new PropagatedContext(W3CTraceId, new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled, "a=1", PropagationFormat.None);
        var headers = new TestHeaders();

        new TracePropagator().Inject(context, Baggage.Create([new KeyValuePair<string, string?>("k", "v")]), headers, TestHeaders.Setter, InjectionScope.TraceParentOnly);

        Assert.Equal(["traceparent"], headers.Names);
        Assert.Equal(TraceParent, headers["traceparent"]);
    }

    [Fact]
    public void Inject_TraceParentOnlyWithNoInjectFormats_WritesNothing()
    {
        // OTEL_PROPAGATORS=none: the scope narrows what is sent and adds no format of its own.
        var options = new PropagationOptions { InjectFormats = [] };
        var context = new PropagatedContext(W3CTraceId, new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled, "a=1", PropagationFormat.None);
        var headers = new TestHeaders();

        new TracePropagator(options).Inject(context, null, headers, TestHeaders.Setter, InjectionScope.TraceParentOnly);

        Assert.Empty(headers.Names);
    }

    [Fact]
    public void Inject_ScopeNone_WritesNothing()
    {
        var context = new PropagatedContext(W3CTraceId, new SpanId(1), TraceFlags.Sampled, null, PropagationFormat.None);
        var headers = new TestHeaders();

        new TracePropagator().Inject(context, null, headers, TestHeaders.Setter, InjectionScope.None);

        Assert.Empty(headers.Names);
    }

    [Fact]
    public void Inject_B3AndUuidConfigured_WritesThoseFormats()
    {
        var options = new PropagationOptions
        {
            InjectFormats = [PropagationFormat.B3, PropagationFormat.B3Single, PropagationFormat.Legacy],
            LegacyIdFormat = LegacyIdFormat.Uuid,
        };
        var context = new PropagatedContext(W3CTraceId, new SpanId(0x00f067aa0ba902b7), TraceFlags.None, null, PropagationFormat.None);
        var headers = new TestHeaders();

        new TracePropagator(options).Inject(context, null, headers, TestHeaders.Setter);

        Assert.Equal(W3CTrace, headers["X-B3-TraceId"]);
        Assert.Equal("0", headers["X-B3-Sampled"]);
        Assert.Equal(W3CTrace + "-" + W3CSpan + "-0", headers["b3"]);
        Assert.Equal("4bf92f35-77b3-4da6-a3ce-929d0e0e4736", headers["X-Trace-ID"]);
        Assert.Null(headers["traceparent"]);
    }

    [Fact]
    public void Inject_Twice_ReplacesValuesInsteadOfAppending()
    {
        var propagator = new TracePropagator();
        var headers = new TestHeaders();
        var first = new PropagatedContext(W3CTraceId, new SpanId(1), TraceFlags.Sampled, null, PropagationFormat.None);
        var second = new PropagatedContext(W3CTraceId, new SpanId(2), TraceFlags.Sampled, null, PropagationFormat.None);

        propagator.Inject(first, null, headers, TestHeaders.Setter);
        propagator.Inject(second, null, headers, TestHeaders.Setter);

        Assert.Equal(["00-" + W3CTrace + "-0000000000000002-01"], headers.GetLines("traceparent"));
        Assert.Equal(["0000000000000002"], headers.GetLines("X-Span-ID"));
    }

    [Fact]
    public void Inject_Activity_UsesItsContextTraceStateAndBaggage()
    {
        using var scope = new SampledActivitySource(nameof(Inject_Activity_UsesItsContextTraceStateAndBaggage));
        using var activity = scope.Source.StartActivity("client")!;
        activity.TraceStateString = "vendor=x";
        activity.AddBaggage("tenant", "acme");
        var headers = new TestHeaders();

        new TracePropagator().Inject(activity, headers, TestHeaders.Setter);

        Assert.Equal($"00-{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-01", headers["traceparent"]);
        Assert.Equal("vendor=x", headers["tracestate"]);
        Assert.Equal("tenant=acme", headers["baggage"]);
        Assert.Equal(activity.TraceId.ToHexString(), headers["X-Trace-ID"]);
        Assert.Equal(activity.SpanId.ToHexString(), headers["X-Span-ID"]);
    }

    [Fact]
    public void Inject_ChildOverridesParentBaggage_SendsTheKeyOnceWithTheChildsValue()
    {
        using var scope = new SampledActivitySource(nameof(Inject_ChildOverridesParentBaggage_SendsTheKeyOnceWithTheChildsValue));
        using var parent = scope.Source.StartActivity("parent")!;
        parent.AddBaggage("tenant", "acme");
        parent.AddBaggage("k", "old");
        using var child = scope.Source.StartActivity("child")!;
        child.AddBaggage("k", "new");
        child.SetBaggage("tenant", "other");
        var headers = new TestHeaders();

        new TracePropagator().Inject(child, headers, TestHeaders.Setter);

        Assert.Equal(["tenant=other,k=new"], headers.GetLines("baggage"));
        Assert.Equal("new", child.GetBaggageItem("k"));
    }

    [Fact]
    public void Inject_ChildRemovesBaggage_SendsWhatGetBaggageItemReturns()
    {
        using var scope = new SampledActivitySource(nameof(Inject_ChildRemovesBaggage_SendsWhatGetBaggageItemReturns));
        using var parent = scope.Source.StartActivity("parent")!;
        parent.AddBaggage("k", "old");
        using var child = scope.Source.StartActivity("child")!;
        child.AddBaggage("own", "1");
        child.AddBaggage("k", "new");
        child.SetBaggage("own", null);
        child.SetBaggage("k", null);
        var headers = new TestHeaders();

        new TracePropagator().Inject(child, headers, TestHeaders.Setter);

        // SetBaggage(key, null) removes the child's own item and nothing else: a key only the child had is gone;
        // the parent's item is visible again (Activity.Baggage lists it, GetBaggageItem returns it) and is sent once.
        Assert.Null(child.GetBaggageItem("own"));
        Assert.Equal("old", child.GetBaggageItem("k"));
        Assert.Equal(["k=old"], headers.GetLines("baggage"));
    }

    [Fact]
    public void Inject_ChildNullBaggageOverParent_SendsTheKeyOnceEmpty()
    {
        using var scope = new SampledActivitySource(nameof(Inject_ChildNullBaggageOverParent_SendsTheKeyOnceEmpty));
        using var parent = scope.Source.StartActivity("parent")!;
        parent.AddBaggage("k", "old");
        using var child = scope.Source.StartActivity("child")!;
        child.AddBaggage("k", null);
        var headers = new TestHeaders();

        new TracePropagator().Inject(child, headers, TestHeaders.Setter);

        // AddBaggage(key, null) shadows the parent's item (GetBaggageItem returns null); the old value is not sent.
        Assert.Null(child.GetBaggageItem("k"));
        Assert.Equal(["k="], headers.GetLines("baggage"));
    }

    [Fact]
    public void Inject_DistinctKeysOverSeveralActivities_AllSentInActivityBaggageOrder()
    {
        using var scope = new SampledActivitySource(nameof(Inject_DistinctKeysOverSeveralActivities_AllSentInActivityBaggageOrder));
        using var root = scope.Source.StartActivity("root")!;
        root.AddBaggage("a", "1");
        root.AddBaggage("b", "2");
        using var parent = scope.Source.StartActivity("parent")!;
        parent.AddBaggage("c", "3");
        using var child = scope.Source.StartActivity("child")!;
        child.AddBaggage("d", "4");
        child.AddBaggage("B", "5");
        var headers = new TestHeaders();

        new TracePropagator().Inject(child, headers, TestHeaders.Setter);

        Assert.Equal(["B=5,d=4,c=3,b=2,a=1"], headers.GetLines("baggage"));
    }

    [Fact]
    public void Inject_Activity_SendsTheActivitysOwnIdStrings()
    {
        using var scope = new SampledActivitySource(nameof(Inject_Activity_SendsTheActivitysOwnIdStrings));
        using var activity = scope.Source.StartActivity("client")!;
        var headers = new TestHeaders();

        new TracePropagator().Inject(activity, headers, TestHeaders.Setter);

        // The traceparent is the activity's Id (formatted once per span) and the legacy pair its hex ids.
        Assert.Same(activity.Id, headers["traceparent"]);
        Assert.Same(activity.TraceId.ToHexString(), headers["X-Trace-ID"]);
        Assert.Same(activity.SpanId.ToHexString(), headers["X-Span-ID"]);
    }

    [Theory]
    [InlineData("03")]
    [InlineData("02")]
    public void ExtractThenInject_ThroughAnActivity_KeepsTheRandomFlag(string flags)
    {
        // Arrange: a caller's traceparent with W3C Level 2's random-trace-id flag, continued by an activity.
        using var scope = new SampledActivitySource(nameof(ExtractThenInject_ThroughAnActivity_KeepsTheRandomFlag) + flags);
        var propagator = new TracePropagator();
        var extracted = propagator.Extract(new TestHeaders { ["traceparent"] = "00-" + W3CTrace + "-" + W3CSpan + "-" + flags }, TestHeaders.Getter);
        using var activity = scope.Source.StartActivity("server", ActivityKind.Server, extracted.ToActivityContext())!;
        var headers = new TestHeaders();

        // Act
        propagator.Inject(activity, headers, TestHeaders.Setter);

        // Assert: the same trace id travels on, and so does the flag that describes it (the listener records every
        // activity, so the sampled bit is set either way); the activity's own Id is sent.
        Assert.Equal($"00-{W3CTrace}-{activity.SpanId.ToHexString()}-03", headers["traceparent"]);
        Assert.Same(activity.Id, headers["traceparent"]);
    }

    [Fact]
    public void Inject_ChildStartedUnderAnActivityWithTheRandomFlag_SendsTheFlag()
    {
        // Arrange: the server span continues a random trace id; the client span is started under it, as Activity.Current.
        // The BCL gives such a child only the sampled bit; the random bit describes the shared trace id.
        using var scope = new SampledActivitySource(nameof(Inject_ChildStartedUnderAnActivityWithTheRandomFlag_SendsTheFlag));
        var caller = new ActivityContext(ActivityTraceId.CreateFromString(W3CTrace), ActivitySpanId.CreateFromString(W3CSpan), (ActivityTraceFlags)0x03, isRemote: true);
        using var server = scope.Source.StartActivity("server", ActivityKind.Server, caller)!;
        using var client = scope.Source.StartActivity("client", ActivityKind.Client)!;
        var headers = new TestHeaders();

        // Act
        new TracePropagator().Inject(client, headers, TestHeaders.Setter);

        // Assert
        Assert.Same(server, client.Parent);
        Assert.Equal($"00-{W3CTrace}-{client.SpanId.ToHexString()}-03", headers["traceparent"]);
    }

    [Fact]
    public void Inject_ChildOfActivityWithoutTheRandomFlag_SendsOnlySampled()
    {
        using var scope = new SampledActivitySource(nameof(Inject_ChildOfActivityWithoutTheRandomFlag_SendsOnlySampled));
        var caller = new ActivityContext(ActivityTraceId.CreateFromString(W3CTrace), ActivitySpanId.CreateFromString(W3CSpan), ActivityTraceFlags.Recorded, isRemote: true);
        using var server = scope.Source.StartActivity("server", ActivityKind.Server, caller)!;
        using var client = scope.Source.StartActivity("client", ActivityKind.Client)!;
        var headers = new TestHeaders();

        new TracePropagator().Inject(client, headers, TestHeaders.Setter);

        Assert.Same(client.Id, headers["traceparent"]);
        Assert.EndsWith("-01", headers["traceparent"], StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_ActivityFlagsChangedAfterItsIdWasFormatted_SendsTheCurrentFlags()
    {
        using var scope = new SampledActivitySource(nameof(Inject_ActivityFlagsChangedAfterItsIdWasFormatted_SendsTheCurrentFlags));
        using var activity = scope.Source.StartActivity("client")!;
        var staleId = activity.Id!;
        activity.ActivityTraceFlags = ActivityTraceFlags.None;
        var headers = new TestHeaders();

        new TracePropagator().Inject(activity, headers, TestHeaders.Setter);

        Assert.EndsWith("-01", staleId, StringComparison.Ordinal);
        Assert.Equal($"00-{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-00", headers["traceparent"]);
    }

    [Theory]
    [InlineData(true, LegacyIdFormat.Hex, InjectionScope.Full)]
    [InlineData(false, LegacyIdFormat.Hex, InjectionScope.Full)]
    [InlineData(true, LegacyIdFormat.Uuid, InjectionScope.Full)]
    [InlineData(true, LegacyIdFormat.Hex, InjectionScope.TraceParentOnly)]
    [InlineData(false, LegacyIdFormat.Hex, InjectionScope.TraceParentOnly)]
    public void Inject_Activity_WritesWhatInjectingItsContextWrites(bool sampled, LegacyIdFormat legacy, InjectionScope injectionScope)
    {
        using var scope = new SampledActivitySource(nameof(Inject_Activity_WritesWhatInjectingItsContextWrites));
        var parent = new ActivityContext(
            ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, "vendor=x");
        using var activity = scope.Source.StartActivity("client", ActivityKind.Client, parent)!;
        activity.ActivityTraceFlags = parent.TraceFlags;
        var propagator = new TracePropagator(new PropagationOptions
        {
            InjectFormats = [PropagationFormat.TraceContext, PropagationFormat.Legacy, PropagationFormat.B3, PropagationFormat.B3Single],
            LegacyIdFormat = legacy,
        });
        var fromActivity = new TestHeaders();
        var fromContext = new TestHeaders();

        propagator.Inject(activity, fromActivity, TestHeaders.Setter, injectionScope);
        propagator.Inject(PropagatedContext.FromActivity(activity), null, fromContext, TestHeaders.Setter, injectionScope);

        Assert.NotEmpty(fromContext.Names);
        Assert.Equal(fromContext.Names, fromActivity.Names);
        foreach (var name in fromContext.Names)
        {
            Assert.Equal(fromContext.GetLines(name), fromActivity.GetLines(name));
        }
    }

    [Fact]
    public void Inject_HierarchicalActivity_WritesWhatInjectingItsContextWrites()
    {
        using var activity = new Activity("legacy-client").SetIdFormat(ActivityIdFormat.Hierarchical).Start();
        activity.AddBaggage("tenant", "acme");
        var propagator = new TracePropagator();
        var fromActivity = new TestHeaders();
        var fromContext = new TestHeaders();

        propagator.Inject(activity, fromActivity, TestHeaders.Setter);
        propagator.Inject(PropagatedContext.FromActivity(activity), Baggage.Create(activity.Baggage), fromContext, TestHeaders.Setter);

        Assert.Equal(ActivityIdFormat.Hierarchical, activity.IdFormat);
        Assert.Equal(fromContext.Names, fromActivity.Names);
        Assert.Equal(["tenant=acme"], fromActivity.GetLines("baggage"));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsListingEveryError()
    {
        var options = new PropagationOptions
        {
            ExtractFormats = [PropagationFormat.None, PropagationFormat.Baggage],
            InjectFormats = [PropagationFormat.Legacy, PropagationFormat.Legacy],
            LegacyIdFormat = (LegacyIdFormat)5,
        };

        var exception = Assert.Throws<ArgumentException>(() => new TracePropagator(options));

        Assert.Contains("ExtractFormats[0]", exception.Message, StringComparison.Ordinal);
        Assert.Contains("ExtractFormats[1]", exception.Message, StringComparison.Ordinal);
        Assert.Contains("InjectFormats[1]", exception.Message, StringComparison.Ordinal);
        Assert.Contains("LegacyIdFormat", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_OptionsChangedLater_PropagatorUnaffected()
    {
        var options = new PropagationOptions();
        var propagator = new TracePropagator(options);

        options.ExtractFormats.Clear();
        options.InjectFormats.Add(PropagationFormat.B3);

        Assert.Equal([PropagationFormat.TraceContext, PropagationFormat.Legacy, PropagationFormat.B3Single, PropagationFormat.B3], propagator.ExtractFormats);
        Assert.Equal([PropagationFormat.TraceContext, PropagationFormat.Baggage, PropagationFormat.Legacy], propagator.InjectFormats);
    }

    [Fact]
    public void ListsExposed_CannotChangeThePropagator()
    {
        // The lists are read-only views: a caller casting one to a mutable list cannot change what is read or written.
        var propagator = new TracePropagator();

        Assert.Throws<NotSupportedException>(() => ((IList<string>)propagator.Fields)[0] = "x-mine");
        Assert.Throws<NotSupportedException>(() => ((IList<PropagationFormat>)propagator.ExtractFormats)[0] = PropagationFormat.B3);
        Assert.Throws<NotSupportedException>(() => ((IList<PropagationFormat>)propagator.InjectFormats)[0] = PropagationFormat.B3);
        Assert.Equal("traceparent", propagator.Fields[0]);
        Assert.Equal(PropagationFormat.TraceContext, propagator.ExtractFormats[0]);
    }

    [Fact]
    public void Fields_ListsEveryHeaderOnce()
    {
        var fields = new TracePropagator().Fields;

        Assert.Equal(
            ["traceparent", "tracestate", "X-Trace-ID", "X-Span-ID", "b3", "X-B3-TraceId", "X-B3-SpanId", "X-B3-ParentSpanId", "X-B3-Sampled", "X-B3-Flags", "baggage"],
            fields);
    }

    [Theory]
    [InlineData(PropagationFormat.TraceContext)]
    [InlineData(PropagationFormat.Legacy)]
    [InlineData(PropagationFormat.B3)]
    [InlineData(PropagationFormat.B3Single)]
    public void InjectThenExtract_EachFormatAlone_RoundTrips(PropagationFormat format)
    {
        var propagator = new TracePropagator(new PropagationOptions
        {
            ExtractFormats = [PropagationFormat.TraceContext, PropagationFormat.Legacy, PropagationFormat.B3Single, PropagationFormat.B3],
            InjectFormats = [format],
        });
        var property = Prop.ForAll<ulong, ulong, ulong>((high, low, span) =>
        {
            var sampled = format == PropagationFormat.Legacy || (span & 1) == 0;
            var context = new PropagatedContext(
                new TraceId(high, low == 0 && high == 0 ? 1 : low),
                new SpanId(span == 0 ? 2 : span),
                sampled ? TraceFlags.Sampled : TraceFlags.None,
                null,
                PropagationFormat.None);
            var headers = new TestHeaders();

            propagator.Inject(context, null, headers, TestHeaders.Setter);
            var result = propagator.Extract(headers, TestHeaders.Getter);

            return result.Format == format
                && result.Parent.TraceId == context.TraceId
                && result.Parent.SpanId == context.SpanId
                && result.Parent.IsSampled == sampled
                && result.Links.Count == 0;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    [Fact]
    public void InjectThenExtract_DefaultFormats_AgreeAndRoundTrip()
    {
        var propagator = new TracePropagator(new PropagationOptions
        {
            InjectFormats = [PropagationFormat.TraceContext, PropagationFormat.Baggage, PropagationFormat.Legacy, PropagationFormat.B3, PropagationFormat.B3Single],
        });
        var property = Prop.ForAll<ulong, ulong, ulong>((high, low, span) =>
        {
            var context = new PropagatedContext(
                new TraceId(high, low == 0 && high == 0 ? 1 : low),
                new SpanId(span == 0 ? 2 : span),
                TraceFlags.Sampled,
                null,
                PropagationFormat.None);
            var baggage = Baggage.Create([new KeyValuePair<string, string?>("n", span.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
            var headers = new TestHeaders();

            propagator.Inject(context, baggage, headers, TestHeaders.Setter);
            var result = propagator.Extract(headers, TestHeaders.Getter);

            return result.Format == PropagationFormat.TraceContext
                && result.Parent.TraceId == context.TraceId
                && result.Parent.SpanId == context.SpanId
                && result.Issues == PropagationIssues.None
                && result.Links.Count == 0
                && result.Baggage.TryGetValue("n", out var n) && n == span.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    [Fact]
    public void Extract_RandomHeaderValues_NeverThrowsNorChangesCarrier()
    {
        var propagator = new TracePropagator();
        var names = new[] { "traceparent", "tracestate", "baggage", "X-Trace-ID", "X-Span-ID", "b3", "X-B3-TraceId", "X-B3-SpanId", "X-B3-Sampled" };
        var property = Prop.ForAll<string, string, string>((a, b, c) =>
        {
            var headers = new TestHeaders();
            for (var i = 0; i < names.Length; i++)
            {
                headers[names[i]] = (i % 3) switch { 0 => a, 1 => b, _ => c };
            }

            var before = headers.Snapshot();
            foreach (var policy in new[] { TrustPolicy.Continue, TrustPolicy.ContinueIgnoreSampling, TrustPolicy.RestartAndLink, TrustPolicy.Ignore })
            {
                var result = propagator.Extract(headers, TestHeaders.Getter, policy);
                _ = result.ToActivityContext();
                _ = result.ToActivityLinks();
            }

            return headers.Matches(before);
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), property);
    }

    [Fact]
    public void Extract_RandomBytes_NeverThrowsNorChangesCarrier()
    {
        var propagator = new TracePropagator();
        var names = new[] { "traceparent", "tracestate", "baggage", "X-Trace-ID", "X-Span-ID", "b3", "X-B3-TraceId", "X-B3-SpanId", "X-B3-Flags" };
        var property = Prop.ForAll<byte[], byte[]>((first, second) =>
        {
            var headers = new TestHeaders();
            for (var i = 0; i < names.Length; i++)
            {
                var bytes = (i % 2 == 0 ? first : second) ?? [];
                headers[names[i]] = System.Text.Encoding.Latin1.GetString(bytes);
            }

            var before = headers.Snapshot();
            var result = propagator.Extract(headers, TestHeaders.Getter);
            _ = result.ToActivityContext();

            return headers.Matches(before) && result.Parent.IsValid == result.HasParent;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), property);
    }

    private static TestHeaders WinnerHeaders(PropagationFormat format, string traceId, string spanId) => format switch
    {
        PropagationFormat.Legacy => TestHeaders.Of(("X-Trace-ID", traceId), ("X-Span-ID", spanId)),
        PropagationFormat.B3Single => TestHeaders.Of(("b3", traceId + "-" + spanId + "-1")),
        PropagationFormat.B3 => TestHeaders.Of(("X-B3-TraceId", traceId), ("X-B3-SpanId", spanId), ("X-B3-Sampled", "1")),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    private static IEnumerable<PropagationFormat[]> Permutations(PropagationFormat[] formats)
    {
        if (formats.Length <= 1)
        {
            yield return formats;
            yield break;
        }

        for (var i = 0; i < formats.Length; i++)
        {
            var rest = formats.Where((_, j) => j != i).ToArray();
            foreach (var tail in Permutations(rest))
            {
                yield return [formats[i], .. tail];
            }
        }
    }
}
