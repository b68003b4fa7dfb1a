using System.Diagnostics;

namespace Propagation.Tests.W3C;

public sealed class TraceContextFormatTests
{
    private const string TraceParentExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private const string TraceStateExample = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,fw529a3039@dt=W2ZvbyxiYXJd";

    private static readonly HeaderGetter<IDictionary<string, string>> Getter = Carriers.DictionaryGetter;
    private static readonly HeaderSetter<IDictionary<string, string>> Setter = Carriers.DictionarySetter;

    [Fact]
    public void Fields_AreTraceParentAndTraceState()
    {
        Assert.Equal(["traceparent", "tracestate"], TraceContextFormat.Instance.Fields);
        Assert.Equal(PropagationFormat.TraceContext, TraceContextFormat.Instance.Format);
    }

    [Fact]
    public void TryExtract_SpecExample_ReturnsContext()
    {
        // Arrange
        IDictionary<string, string> carrier = new Dictionary<string, string>
        {
            ["traceparent"] = TraceParentExample,
            ["tracestate"] = TraceStateExample,
        };
        var issues = PropagationIssues.None;

        // Act
        var ok = TraceContextFormat.Instance.TryExtract(carrier, Getter, out var context, ref issues);

        // Assert
        Assert.True(ok);
        Assert.Equal(PropagationIssues.None, issues);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", context.TraceId.ToString());
        Assert.Equal("00f067aa0ba902b7", context.SpanId.ToString());
        Assert.True(context.IsSampled);
        Assert.Same(carrier["tracestate"], context.TraceState);
        Assert.Equal(PropagationFormat.TraceContext, context.Format);
    }

    [Fact]
    public void TryExtract_NoHeaders_ReturnsFalseWithoutIssues()
    {
        var issues = PropagationIssues.None;

        var ok = TraceContextFormat.Instance.TryExtract(new Dictionary<string, string>(), Getter, out var context, ref issues);

        Assert.False(ok);
        Assert.False(context.IsValid);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void TryExtract_TwoTraceParentLines_IsInvalidAndReported()
    {
        var issues = PropagationIssues.None;

        var ok = TraceContextFormat.Instance.TryExtract(0, static (_, name) => name == "traceparent" ? new HeaderValues([TraceParentExample, TraceParentExample]) : default, out var context, ref issues);

        Assert.False(ok);
        Assert.False(context.IsValid);
        Assert.Equal(PropagationIssues.TraceParentDuplicated | PropagationIssues.TraceParentInvalid, issues);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void TryExtract_NullLinesBesideOneTraceParent_ReadLikeTheOtherFormatsDo(int position)
    {
        // A null line is no header line (the legacy and B3 codecs, and baggage, skip it): one traceparent beside null
        // lines is that traceparent, not a duplicate.
        var lines = new string?[] { null, null };
        lines[position] = TraceParentExample;
        var issues = PropagationIssues.None;

        var ok = TraceContextFormat.Instance.TryExtract(lines, static (l, name) => name == "traceparent" ? new HeaderValues(l) : default, out var context, ref issues);

        Assert.True(ok);
        Assert.Equal(PropagationIssues.None, issues);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", context.TraceId.ToString());
    }

    [Fact]
    public void TryExtract_OnlyNullLines_AbsentWithoutIssues()
    {
        var issues = PropagationIssues.None;

        var ok = TraceContextFormat.Instance.TryExtract(0, static (_, name) => name == "traceparent" ? new HeaderValues([null, null]) : default, out _, ref issues);

        Assert.False(ok);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void TryExtract_InvalidTraceParent_DoesNotReadTraceState()
    {
        var names = new List<string>();
        var issues = PropagationIssues.None;

        var ok = TraceContextFormat.Instance.TryExtract(names, static (seen, name) =>
        {
            seen.Add(name);
            return name == "traceparent" ? "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01" : "rojo=1";
        }, out _, ref issues);

        Assert.False(ok);
        Assert.Equal(["traceparent"], names);
        Assert.Equal(PropagationIssues.TraceParentInvalid, issues);
    }

    [Fact]
    public void TryExtract_InvalidTraceState_KeepsTraceParent()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>
        {
            ["traceparent"] = TraceParentExample,
            ["tracestate"] = "rojo=1,rojo=2",
        };
        var issues = PropagationIssues.None;

        var ok = TraceContextFormat.Instance.TryExtract(carrier, Getter, out var context, ref issues);

        Assert.True(ok);
        Assert.Null(context.TraceState);
        Assert.Equal(PropagationIssues.TraceStateInvalid, issues);
    }

    [Fact]
    public void TryExtract_MultipleTraceStateLines_AreCombined()
    {
        var issues = PropagationIssues.None;

        var ok = TraceContextFormat.Instance.TryExtract(0, static (_, name) => name == "traceparent"
            ? new HeaderValues(TraceParentExample)
            : new HeaderValues(["rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE"]), out var context, ref issues);

        Assert.True(ok);
        Assert.Equal("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", context.TraceState);
    }

    [Fact]
    public void TryExtract_33TraceStateMembersOnSeveralLines_DropsTraceStateKeepsTraceParent()
    {
        // The W3C test suite's test_tracestate_member_count_limit: 33 members over four lines are discarded.
        var issues = PropagationIssues.None;

        var ok = TraceContextFormat.Instance.TryExtract(0, static (_, name) => name == "traceparent"
            ? new HeaderValues(TraceParentExample)
            : new HeaderValues(
            [
                "bar01=01,bar02=02,bar03=03,bar04=04,bar05=05,bar06=06,bar07=07,bar08=08,bar09=09,bar10=10",
                "bar11=11,bar12=12,bar13=13,bar14=14,bar15=15,bar16=16,bar17=17,bar18=18,bar19=19,bar20=20",
                "bar21=21,bar22=22,bar23=23,bar24=24,bar25=25,bar26=26,bar27=27,bar28=28,bar29=29,bar30=30",
                "bar31=31,bar32=32,bar33=33",
            ]), out var context, ref issues);

        Assert.True(ok);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", context.TraceId.ToString());
        Assert.Null(context.TraceState);
        Assert.Equal(PropagationIssues.TraceStateInvalid, issues);
    }

    [Fact]
    public void TryExtract_IssuesAlreadySet_AreKept()
    {
        var issues = PropagationIssues.B3Invalid;
        IDictionary<string, string> carrier = new Dictionary<string, string> { ["traceparent"] = "garbage" };

        TraceContextFormat.Instance.TryExtract(carrier, Getter, out _, ref issues);

        Assert.Equal(PropagationIssues.B3Invalid | PropagationIssues.TraceParentInvalid, issues);
    }

    [Fact]
    public void TryExtract_NullArguments_Throw()
    {
        var issues = PropagationIssues.None;

        Assert.Throws<ArgumentNullException>(() => TraceContextFormat.Instance.TryExtract<IDictionary<string, string>>(null!, Getter, out _, ref issues));
        Assert.Throws<ArgumentNullException>(() => TraceContextFormat.Instance.TryExtract(new Dictionary<string, string>(), null!, out _, ref issues));
    }

    [Fact]
    public void Inject_Context_WritesBothHeaders()
    {
        // Arrange
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        var context = new PropagatedContext(
            new TraceId(0x4bf92f3577b34da6UL, 0xa3ce929d0e0e4736UL),
            new SpanId(0x00f067aa0ba902b7UL),
            TraceFlags.Sampled,
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
            PropagationFormat.TraceContext);

        // Act
        TraceContextFormat.Instance.Inject(context, carrier, Setter);

        // Assert
        Assert.Equal(TraceParentExample, carrier["traceparent"]);
        Assert.Same(context.TraceState, carrier["tracestate"]);
    }

    [Fact]
    public void Inject_NoTraceState_WritesOnlyTraceParent()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        var context = new PropagatedContext(new TraceId(1, 1), new SpanId(1), TraceFlags.None, null, PropagationFormat.None);

        TraceContextFormat.Instance.Inject(context, carrier, Setter);

        Assert.Equal(["traceparent"], carrier.Keys);
    }

    [Fact]
    public void Inject_InvalidTraceStateFromActivity_IsCleanedBeforeSending()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        var context = new PropagatedContext(new TraceId(1, 1), new SpanId(1), TraceFlags.None, "rojo=1,BAD=x,rojo=2", PropagationFormat.None);

        TraceContextFormat.Instance.Inject(context, carrier, Setter);

        Assert.Equal("rojo=1", carrier["tracestate"]);
    }

    [Fact]
    public void Inject_EmptySpanId_WritesNothing()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        var context = new PropagatedContext(new TraceId(1, 1), default, TraceFlags.Sampled, "a=b", PropagationFormat.Legacy);

        TraceContextFormat.Instance.Inject(context, carrier, Setter);

        Assert.Empty(carrier);
    }

    [Fact]
    public void Inject_UnknownFlagBits_AreZeroed()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>();
        var context = new PropagatedContext(new TraceId(1, 1), new SpanId(1), (TraceFlags)0x81, null, PropagationFormat.None);

        TraceContextFormat.Instance.Inject(context, carrier, Setter);

        Assert.EndsWith("-01", carrier["traceparent"], StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_FromActivity_MatchesActivityIds()
    {
        // Arrange
        var activity = new Activity("TraceContextFormatTests.Inject_FromActivity");
        activity.SetIdFormat(ActivityIdFormat.W3C);
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        activity.TraceStateString = "rojo=1";
        activity.Start();
        IDictionary<string, string> carrier = new Dictionary<string, string>();

        // Act
        TraceContextFormat.Instance.Inject(PropagatedContext.FromActivity(activity), carrier, Setter);
        activity.Stop();

        // Assert
        Assert.Equal(activity.Id, carrier["traceparent"]);
        Assert.Equal("rojo=1", carrier["tracestate"]);
    }

    [Fact]
    public void TryExtract_TraceParentOnly_AllocatesNothing()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string> { ["traceparent"] = TraceParentExample };

        var allocated = MeasureExtractAllocations(carrier);

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TryExtract_TraceParentAndThreeMemberTraceState_AllocatesNothing()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string>
        {
            ["traceparent"] = TraceParentExample,
            ["tracestate"] = TraceStateExample,
        };

        var allocated = MeasureExtractAllocations(carrier);

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Inject_ValidContext_AllocatesOnlyTheTraceParentString()
    {
        // Arrange
        var context = new PropagatedContext(new TraceId(1, 2), new SpanId(3), TraceFlags.Sampled, TraceStateExample, PropagationFormat.None);
        var carrier = new NullCarrier();
        for (var i = 0; i < 100; i++)
        {
            TraceContextFormat.Instance.Inject(context, carrier, NullCarrier.Setter);
        }

        // Act
        const int Iterations = 1000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            TraceContextFormat.Instance.Inject(context, carrier, NullCarrier.Setter);
        }

        var perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / Iterations;

        // Assert: one 55-character string (22 bytes header + 2 * 56 bytes of characters, rounded to 8).
        Assert.InRange(perCall, 1, 140);
    }

    private static long MeasureExtractAllocations(IDictionary<string, string> carrier)
    {
        var format = TraceContextFormat.Instance;
        var ok = true;
        for (var i = 0; i < 100; i++)
        {
            var warm = PropagationIssues.None;
            ok &= format.TryExtract(carrier, Getter, out _, ref warm);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            var issues = PropagationIssues.None;
            ok &= format.TryExtract(carrier, Getter, out _, ref issues);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(ok);
        return allocated;
    }

    private sealed class NullCarrier
    {
        public static HeaderSetter<NullCarrier> Setter { get; } = static (carrier, _, value) => carrier.Last = value;

        public string? Last { get; private set; }
    }
}
