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
    public void GetOwner_ActivityOfClaimedSource_ReturnsClaimingOwnerForItAndItsChildren()
    {
        // Arrange
        var owner = new TracingOwner("claimed");
        using var source = new ActivitySource("Tests.Ownership.Claimed");
        using var listener = Listen(source);
        TracingOwnership.MarkSource(source, owner);

        // Act
        using var server = source.StartActivity("server")!;
        using var child = new Activity("child").Start();

        // Assert
        Assert.Same(owner, TracingOwnership.GetOwner(server));
        Assert.Same(owner, TracingOwnership.GetOwner(child));
    }

    [Fact]
    public void Mark_ActivityOfSourceClaimedBySameOwner_StoresNoCustomProperty()
    {
        // Arrange
        var owner = new TracingOwner("claimed");
        using var source = new ActivitySource("Tests.Ownership.SameOwner");
        using var listener = Listen(source);
        TracingOwnership.MarkSource(source, owner);
        using var server = source.StartActivity("server")!;

        // Act
        TracingOwnership.Mark(server, owner);

        // Assert
        Assert.Null(server.GetCustomProperty(TracingOwnership.CustomPropertyName));
        Assert.Same(owner, TracingOwnership.GetOwner(server));
    }

    [Fact]
    public void Mark_OtherOwnerOnClaimedSource_MarkWinsOverClaim()
    {
        // Arrange
        var claiming = new TracingOwner("claiming");
        var other = new TracingOwner("other");
        using var source = new ActivitySource("Tests.Ownership.OtherOwner");
        using var listener = Listen(source);
        TracingOwnership.MarkSource(source, claiming);
        using var server = source.StartActivity("server")!;

        // Act
        TracingOwnership.Mark(server, other);
        var afterOther = TracingOwnership.GetOwner(server);
        TracingOwnership.Mark(server, claiming);

        // Assert
        Assert.Same(other, afterOther);
        Assert.Same(claiming, TracingOwnership.GetOwner(server));
    }

    [Fact]
    public void MarkSource_ClaimedByTwoOwners_MarksNothingAndMarkStillWorks()
    {
        // Arrange
        var first = new TracingOwner("first");
        var second = new TracingOwner("second");
        using var source = new ActivitySource("Tests.Ownership.Shared");
        using var listener = Listen(source);

        // Act
        TracingOwnership.MarkSource(source, first);
        TracingOwnership.MarkSource(source, second);
        using var unmarked = source.StartActivity("unmarked")!;
        var unmarkedOwner = TracingOwnership.GetOwner(unmarked);
        unmarked.Stop();
        using var marked = source.StartActivity("marked")!;
        TracingOwnership.Mark(marked, first);

        // Assert
        Assert.Null(unmarkedOwner);
        Assert.Same(first, TracingOwnership.GetOwner(marked));
    }

    [Fact]
    public void MarkSource_SameOwnerTwice_KeepsClaim()
    {
        // Arrange
        var owner = new TracingOwner("twice");
        using var source = new ActivitySource("Tests.Ownership.Twice");
        using var listener = Listen(source);

        // Act
        TracingOwnership.MarkSource(source, owner);
        TracingOwnership.MarkSource(source, owner);
        using var server = source.StartActivity("server")!;

        // Assert
        Assert.Same(owner, TracingOwnership.GetOwner(server));
    }

    [Fact]
    public void MarkAndGetOwner_NullArguments_Throw()
    {
        using var activity = new Activity("span");

        Assert.Throws<ArgumentNullException>(() => TracingOwnership.Mark(null!, new TracingOwner("x")));
        Assert.Throws<ArgumentNullException>(() => TracingOwnership.Mark(activity, null!));
        Assert.Throws<ArgumentNullException>(() => TracingOwnership.GetOwner(null!));
        Assert.Throws<ArgumentNullException>(() => TracingOwnership.MarkSource(null!, new TracingOwner("x")));
        using var source = new ActivitySource("Tests.Ownership.Null");
        Assert.Throws<ArgumentNullException>(() => TracingOwnership.MarkSource(source, null!));
    }

    private static ActivityListener Listen(ActivitySource source)
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
