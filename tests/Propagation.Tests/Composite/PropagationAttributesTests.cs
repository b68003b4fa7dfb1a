namespace Propagation.Tests.Composite;

public class PropagationAttributesTests
{
    [Theory]
    [InlineData(PropagationFormat.TraceContext, "tracecontext")]
    [InlineData(PropagationFormat.Baggage, "baggage")]
    [InlineData(PropagationFormat.Legacy, "legacy")]
    [InlineData(PropagationFormat.B3, "b3multi")]
    [InlineData(PropagationFormat.B3Single, "b3")]
    public void GetFormatName_Format_RoundTripsThroughTryParse(PropagationFormat format, string name)
    {
        Assert.Equal(name, PropagationAttributes.GetFormatName(format));
        Assert.True(PropagationAttributes.TryParseFormatName(" " + name.ToUpperInvariant() + " ", out var parsed));
        Assert.Equal(format, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("jaeger")]
    [InlineData("none")]
    public void TryParseFormatName_Unknown_ReturnsFalse(string name)
    {
        Assert.False(PropagationAttributes.TryParseFormatName(name, out var format));
        Assert.Equal(PropagationFormat.None, format);
    }

    [Fact]
    public void GetReasonName_Reasons_AreSnakeCase()
    {
        Assert.Equal("format_conflict", PropagationAttributes.GetReasonName(PropagationLinkReason.FormatConflict));
        Assert.Equal("restarted_by_policy", PropagationAttributes.GetReasonName(PropagationLinkReason.RestartedByPolicy));
    }
}
