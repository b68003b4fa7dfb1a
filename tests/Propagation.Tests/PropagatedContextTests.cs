using System.Diagnostics;

namespace Propagation.Tests;

/// <summary>Conversions between <see cref="PropagatedContext"/> and the BCL's activity ids.</summary>
public sealed class PropagatedContextTests
{
    [Fact]
    public void FromActivityContext_Default_EmptyIdsAndNotValid()
    {
        // Act
        var context = PropagatedContext.FromActivityContext(default);

        // Assert
        Assert.True(context.TraceId.IsEmpty);
        Assert.True(context.SpanId.IsEmpty);
        Assert.False(context.IsValid);
    }

    [Fact]
    public void FromActivityContext_RandomIds_SameHexAndFlagsBothWays()
    {
        for (var i = 0; i < 200; i++)
        {
            // Arrange
            var original = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, "a=1");

            // Act
            var context = PropagatedContext.FromActivityContext(original);
            var back = context.ToActivityContext();

            // Assert
            Assert.Equal(original.TraceId.ToHexString(), context.TraceId.ToString());
            Assert.Equal(original.SpanId.ToHexString(), context.SpanId.ToString());
            Assert.True(context.IsSampled);
            Assert.Equal("a=1", context.TraceState);
            Assert.Equal(original.TraceId, back.TraceId);
            Assert.Equal(original.SpanId, back.SpanId);
        }
    }

    [Theory]
    [InlineData(TraceFlags.None, ActivityTraceFlags.None)]
    [InlineData(TraceFlags.Sampled, ActivityTraceFlags.Recorded)]
    [InlineData(TraceFlags.Random, (ActivityTraceFlags)0x02)]
    [InlineData(TraceFlags.Sampled | TraceFlags.Random, (ActivityTraceFlags)0x03)]
    public void ToActivityContext_Flags_KeepsSampledAndRandomBothWays(TraceFlags flags, ActivityTraceFlags expected)
    {
        // Arrange
        Assert.True(TraceId.TryParse("4bf92f3577b34da6a3ce929d0e0e4736", out var traceId));
        Assert.True(SpanId.TryParse("00f067aa0ba902b7", out var spanId));
        var context = new PropagatedContext(traceId, spanId, flags, null, PropagationFormat.TraceContext);

        // Act
        var activityContext = context.ToActivityContext();
        var back = PropagatedContext.FromActivityContext(activityContext);

        // Assert
        Assert.Equal(expected, activityContext.TraceFlags);
        Assert.Equal(flags, back.Flags);
    }

    [Fact]
    public void FromActivityContext_UnknownActivityFlagBits_Dropped()
    {
        var original = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), (ActivityTraceFlags)0xFF);

        var context = PropagatedContext.FromActivityContext(original);

        Assert.Equal(TraceFlags.Sampled | TraceFlags.Random, context.Flags);
    }
}
