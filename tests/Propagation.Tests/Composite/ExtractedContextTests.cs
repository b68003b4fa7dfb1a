using System.Diagnostics;

namespace Propagation.Tests.Composite;

public class ExtractedContextTests
{
    [Fact]
    public void Default_HasNoParentLinksOrBaggage()
    {
        var result = default(ExtractedContext);

        Assert.False(result.HasParent);
        Assert.False(result.HasSyntheticParent);
        Assert.Empty(result.Links);
        Assert.Null(result.ToActivityLinks());
        Assert.Same(Baggage.Empty, result.Baggage);
        Assert.Equal(PropagationFormat.None, result.Format);
        Assert.Equal(default, result.ToActivityContext());
    }

    [Theory]
    [InlineData(0x1111111111111111UL, 0x2222222222222222UL, 0x3333333333333333UL, "high XOR low")]
    [InlineData(0UL, 0xa3ce929d0e0e4736UL, 0xa3ce929d0e0e4736UL, "64-bit trace id: the low half")]
    [InlineData(0x5555555555555555UL, 0x5555555555555555UL, 0x5555555555555555UL, "equal halves: XOR is zero, so the low half")]
    public void CreateSyntheticParentSpanId_FollowsDocumentedRule(ulong high, ulong low, ulong expected, string reason)
    {
        var spanId = ExtractedContext.CreateSyntheticParentSpanId(new TraceId(high, low));

        Assert.Equal(new SpanId(expected), spanId);
        Assert.False(spanId.IsEmpty, reason);
    }

    [Fact]
    public void ToActivityContext_RealSpanId_IsUsedAsIs()
    {
        var headers = TestHeaders.Of(("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), ("tracestate", "a=1"));
        var result = new TracePropagator().Extract(headers, TestHeaders.Getter);

        var context = result.ToActivityContext();

        Assert.Equal("00f067aa0ba902b7", context.SpanId.ToHexString());
        Assert.Equal("a=1", context.TraceState);
        Assert.True(context.IsRemote);
        Assert.False(result.HasSyntheticParent);
    }

    [Fact]
    public void ToActivityContext_StartsActivityInInboundTraceUnderSyntheticParent()
    {
        using var scope = new SampledActivitySource(nameof(ToActivityContext_StartsActivityInInboundTraceUnderSyntheticParent));
        var result = new TracePropagator().Extract(TestHeaders.Of(("X-Trace-ID", "a3ce929d0e0e4736")), TestHeaders.Getter);

        using var activity = scope.Source.StartActivity("server", ActivityKind.Server, result.ToActivityContext())!;
        activity.SetTag(PropagationAttributes.SyntheticParent, result.HasSyntheticParent);

        Assert.Equal("0000000000000000a3ce929d0e0e4736", activity.TraceId.ToHexString());
        Assert.Equal("a3ce929d0e0e4736", activity.ParentSpanId.ToHexString());
        Assert.NotEqual(activity.ParentSpanId, activity.SpanId);
        Assert.Equal(true, activity.GetTagItem(PropagationAttributes.SyntheticParent));
    }
}
