using System.Diagnostics;

namespace Propagation.Collector.Tests.Pipeline;

public class TracingOwnershipTests
{
    [Fact]
    public void GetOwner_Unmarked_ReturnsNull()
    {
        using var activity = new Activity("unmarked").Start();

        Assert.Null(TracingOwnership.GetOwner(activity));
    }

    [Fact]
    public void GetOwner_MarkedAncestor_ReturnsNearestMark()
    {
        var outer = new TracingOwner("outer");
        var inner = new TracingOwner("inner");
        using var root = new Activity("root").Start();
        TracingOwnership.Mark(root, outer);
        using var child = new Activity("child").Start();
        using var grandchild = new Activity("grandchild").Start();
        TracingOwnership.Mark(grandchild, inner);
        using var leaf = new Activity("leaf").Start();

        Assert.Same(outer, TracingOwnership.GetOwner(root));
        Assert.Same(outer, TracingOwnership.GetOwner(child));
        Assert.Same(inner, TracingOwnership.GetOwner(grandchild));
        Assert.Same(inner, TracingOwnership.GetOwner(leaf));
    }

    [Fact]
    public void Mark_Again_ReplacesOwner()
    {
        var first = new TracingOwner("first");
        var second = new TracingOwner("second");
        using var activity = new Activity("span").Start();

        TracingOwnership.Mark(activity, first);
        TracingOwnership.Mark(activity, second);

        Assert.Same(second, TracingOwnership.GetOwner(activity));
    }

    [Fact]
    public void GetOwner_RemoteParentOnly_IsUnowned()
    {
        // A server span whose parent came over the wire has no in-process parent to inherit a mark from.
        var remote = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        using var server = new Activity("server").SetParentId(remote.TraceId, remote.SpanId, remote.TraceFlags).Start();

        Assert.Null(server.Parent);
        Assert.Null(TracingOwnership.GetOwner(server));
    }

    [Fact]
    public void MarkAndGetOwner_NullArguments_Throw()
    {
        using var activity = new Activity("span");

        Assert.Throws<ArgumentNullException>(() => TracingOwnership.Mark(null!, new TracingOwner("x")));
        Assert.Throws<ArgumentNullException>(() => TracingOwnership.Mark(activity, null!));
        Assert.Throws<ArgumentNullException>(() => TracingOwnership.GetOwner(null!));
    }
}
