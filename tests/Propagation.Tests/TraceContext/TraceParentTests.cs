namespace Propagation.Tests.W3C;

public sealed class TraceParentTests
{
    // The example from W3C Trace Context §3.2.3.
    private const string SpecExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    [Fact]
    public void TryParse_SpecExample_ReturnsIdsAndSampled()
    {
        // Act
        var ok = TraceParent.TryParse(SpecExample, out var traceId, out var parentId, out var flags);

        // Assert
        Assert.True(ok);
        Assert.Equal(0x4bf92f3577b34da6UL, traceId.High);
        Assert.Equal(0xa3ce929d0e0e4736UL, traceId.Low);
        Assert.Equal(0x00f067aa0ba902b7UL, parentId.Value);
        Assert.Equal(TraceFlags.Sampled, flags);
    }

    [Fact]
    public void TryParse_SpecExampleNotSampled_ReturnsNoFlags()
    {
        var ok = TraceParent.TryParse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", out _, out _, out var flags);

        Assert.True(ok);
        Assert.Equal(TraceFlags.None, flags);
    }

    [Theory]
    [InlineData("01", TraceFlags.Sampled)]
    [InlineData("02", TraceFlags.Random)]
    [InlineData("03", TraceFlags.Sampled | TraceFlags.Random)]
    [InlineData("ff", TraceFlags.Sampled | TraceFlags.Random)]
    [InlineData("fc", TraceFlags.None)]
    [InlineData("09", TraceFlags.Sampled)]
    public void TryParse_FlagBits_KeepsOnlySampledAndRandom(string flagsHex, TraceFlags expected)
    {
        var ok = TraceParent.TryParse($"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-{flagsHex}", out _, out _, out var flags);

        Assert.True(ok);
        Assert.Equal(expected, flags);
    }

    [Theory]
    [InlineData(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ")]
    [InlineData("\t00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\t")]
    [InlineData(" \t 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 \t ")]
    public void TryParse_OptionalWhitespaceAround_IsIgnored(string value)
    {
        var ok = TraceParent.TryParse(value, out var traceId, out _, out _);

        Assert.True(ok);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", traceId.ToString());
    }

    [Theory]
    [InlineData("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like")]
    [InlineData("fe-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-")]
    public void TryParse_FutureVersion_ParsesFirst55Characters(string value)
    {
        var ok = TraceParent.TryParse(value, out var traceId, out var parentId, out var flags);

        Assert.True(ok);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", traceId.ToString());
        Assert.Equal("00f067aa0ba902b7", parentId.ToString());
        Assert.Equal(TraceFlags.Sampled, flags);
    }

    [Theory]
    [InlineData("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what")]
    [InlineData("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x")]
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-")]
    public void TryParse_VersionRulesBroken_ReturnsFalse(string value)
    {
        var ok = TraceParent.TryParse(value, out var traceId, out var parentId, out var flags);

        Assert.False(ok);
        Assert.True(traceId.IsEmpty);
        Assert.True(parentId.IsEmpty);
        Assert.Equal(TraceFlags.None, flags);
    }

    [Fact]
    public void Parse_OverMaxLength_ReportsHeaderTooLong()
    {
        var value = SpecExample + "-" + new string('a', TraceParent.MaxLength);

        var issues = TraceParent.Parse("cc" + value[2..], out _, out _, out _);

        Assert.Equal(PropagationIssues.HeaderTooLong | PropagationIssues.TraceParentInvalid, issues);
    }

    [Fact]
    public void Parse_FutureVersionJustUnderMaxLength_IsAccepted()
    {
        var value = "cc" + SpecExample[2..] + "-" + new string('a', TraceParent.MaxLength - TraceParent.Length - 1);

        var issues = TraceParent.Parse(value, out _, out _, out _);

        Assert.Equal(TraceParent.MaxLength, value.Length);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void Format_SpecIds_WritesSpecExample()
    {
        var traceId = new TraceId(0x4bf92f3577b34da6UL, 0xa3ce929d0e0e4736UL);
        var parentId = new SpanId(0x00f067aa0ba902b7UL);

        var value = TraceParent.Format(traceId, parentId, TraceFlags.Sampled);

        Assert.Equal(SpecExample, value);
    }

    [Fact]
    public void Format_UnknownFlagBits_AreZeroed()
    {
        var value = TraceParent.Format(new TraceId(1, 2), new SpanId(3), (TraceFlags)0xFF);

        Assert.Equal("00-00000000000000010000000000000002-0000000000000003-03", value);
    }

    [Fact]
    public void Format_FutureVersionInput_IsReEmittedAsVersion00()
    {
        TraceParent.TryParse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", out var traceId, out var parentId, out var flags);

        var value = TraceParent.Format(traceId, parentId, flags);

        Assert.Equal(SpecExample, value);
    }

    [Fact]
    public void Format_EmptyTraceId_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(() => TraceParent.Format(default, new SpanId(1), TraceFlags.None));

        Assert.Equal("traceId", exception.ParamName);
    }

    [Fact]
    public void Format_EmptyParentId_Throws()
    {
        var exception = Assert.Throws<ArgumentException>(() => TraceParent.Format(new TraceId(1, 1), default, TraceFlags.None));

        Assert.Equal("parentId", exception.ParamName);
    }

    [Fact]
    public void TryFormat_ShortDestination_ReturnsFalse()
    {
        Span<char> destination = stackalloc char[TraceParent.Length - 1];

        var ok = TraceParent.TryFormat(new TraceId(1, 1), new SpanId(1), TraceFlags.None, destination, out var written);

        Assert.False(ok);
        Assert.Equal(0, written);
    }

    [Fact]
    public void TryFormat_ExactDestination_WritesValue()
    {
        Span<char> destination = stackalloc char[TraceParent.Length];

        var ok = TraceParent.TryFormat(new TraceId(0x4bf92f3577b34da6UL, 0xa3ce929d0e0e4736UL), new SpanId(0x00f067aa0ba902b7UL), TraceFlags.Sampled, destination, out var written);

        Assert.True(ok);
        Assert.Equal(TraceParent.Length, written);
        Assert.Equal(SpecExample, destination.ToString());
    }
}
