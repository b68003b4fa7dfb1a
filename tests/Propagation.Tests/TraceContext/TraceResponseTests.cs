namespace Propagation.Tests.W3C;

public sealed class TraceResponseTests
{
    [Fact]
    public void TryParse_SpecStyleValue_ReturnsIds()
    {
        var ok = TraceResponse.TryParse("00-4bf92f3577b34da6a3ce929d0e0e4736-d75597dee50b0cac-01", out var traceId, out var childId, out var flags);

        Assert.True(ok);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", traceId.ToString());
        Assert.Equal("d75597dee50b0cac", childId.ToString());
        Assert.Equal(TraceFlags.Sampled, flags);
    }

    [Theory]
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-d75597dee50b0cac-01")]
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-d75597dee50b0cac-01")]
    [InlineData("00-00000000000000000000000000000000-d75597dee50b0cac-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")]
    [InlineData("")]
    public void TryParse_InvalidValue_ReturnsFalse(string value)
    {
        Assert.False(TraceResponse.TryParse(value, out _, out _, out _));
    }

    [Fact]
    public void Format_ThenTryParse_RoundTrips()
    {
        var traceId = new TraceId(0x0123456789abcdefUL, 0xfedcba9876543210UL);
        var childId = new SpanId(0x1122334455667788UL);

        var value = TraceResponse.Format(traceId, childId, TraceFlags.Sampled | TraceFlags.Random);
        var ok = TraceResponse.TryParse(value, out var parsedTrace, out var parsedChild, out var flags);

        Assert.True(ok);
        Assert.Equal("00-0123456789abcdeffedcba9876543210-1122334455667788-03", value);
        Assert.Equal(traceId, parsedTrace);
        Assert.Equal(childId, parsedChild);
        Assert.Equal(TraceFlags.Sampled | TraceFlags.Random, flags);
    }

    [Fact]
    public void Inject_ValidContext_WritesTraceResponseHeader()
    {
        var carrier = new Dictionary<string, string>();
        var context = new PropagatedContext(new TraceId(1, 2), new SpanId(3), TraceFlags.None, "a=b", PropagationFormat.TraceContext);

        TraceResponse.Inject(context, (IDictionary<string, string>)carrier, Carriers.DictionarySetter);

        Assert.Single(carrier);
        Assert.Equal("00-00000000000000010000000000000002-0000000000000003-00", carrier["traceresponse"]);
    }

    [Fact]
    public void Inject_EmptySpanId_WritesNothing()
    {
        var carrier = new Dictionary<string, string>();
        var context = new PropagatedContext(new TraceId(1, 2), default, TraceFlags.None, null, PropagationFormat.TraceContext);

        TraceResponse.Inject(context, (IDictionary<string, string>)carrier, Carriers.DictionarySetter);

        Assert.Empty(carrier);
    }

    [Fact]
    public void TryExtract_ValidHeader_ReturnsContext()
    {
        IDictionary<string, string> carrier = new Dictionary<string, string> { ["traceresponse"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-d75597dee50b0cac-00" };

        var ok = TraceResponse.TryExtract(carrier, Carriers.DictionaryGetter, out var context);

        Assert.True(ok);
        Assert.Equal("d75597dee50b0cac", context.SpanId.ToString());
        Assert.False(context.IsSampled);
    }

    [Fact]
    public void TryExtract_TwoLines_ReturnsFalse()
    {
        var value = "00-4bf92f3577b34da6a3ce929d0e0e4736-d75597dee50b0cac-00";

        var ok = TraceResponse.TryExtract(0, (_, _) => new HeaderValues([value, value]), out var context);

        Assert.False(ok);
        Assert.False(context.IsValid);
    }

    [Fact]
    public void TryExtract_OneLineBesideANullLine_ReturnsIt()
    {
        // A null line is no header line, as for traceparent and the other codecs.
        const string Value = "00-4bf92f3577b34da6a3ce929d0e0e4736-d75597dee50b0cac-01";

        var ok = TraceResponse.TryExtract(0, static (_, _) => new HeaderValues([null, Value]), out var context);

        Assert.True(ok);
        Assert.Equal("d75597dee50b0cac", context.SpanId.ToString());
        Assert.True(context.IsSampled);
    }

    [Fact]
    public void TryExtract_NullGetter_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => TraceResponse.TryExtract(0, null!, out _));
    }
}
