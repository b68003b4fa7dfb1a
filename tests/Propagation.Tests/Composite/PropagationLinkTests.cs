namespace Propagation.Tests.Composite;

public class PropagationLinkTests
{
    [Fact]
    public void ToActivityLink_ContextWithoutSpanId_UsesSyntheticSpanAndTags()
    {
        var traceId = new TraceId(0x1111111111111111, 0x2222222222222222);
        var link = new PropagationLink(new PropagatedContext(traceId, default, TraceFlags.Sampled, null, PropagationFormat.Legacy), PropagationLinkReason.FormatConflict);

        var activityLink = link.ToActivityLink();

        Assert.Equal("11111111111111112222222222222222", activityLink.Context.TraceId.ToHexString());
        Assert.Equal("3333333333333333", activityLink.Context.SpanId.ToHexString());
        var tags = activityLink.Tags!.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal("format_conflict", tags[PropagationAttributes.LinkReason]);
        Assert.Equal("legacy", tags[PropagationAttributes.LinkFormat]);
    }

    [Fact]
    public void Equals_SameContextAndReason_AreEqual()
    {
        var context = new PropagatedContext(new TraceId(1, 2), new SpanId(3), TraceFlags.None, null, PropagationFormat.B3);

        Assert.Equal(new PropagationLink(context, PropagationLinkReason.RestartedByPolicy), new PropagationLink(context, PropagationLinkReason.RestartedByPolicy));
        Assert.NotEqual(new PropagationLink(context, PropagationLinkReason.RestartedByPolicy), new PropagationLink(context, PropagationLinkReason.FormatConflict));
    }
}
