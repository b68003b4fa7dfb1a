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
}
