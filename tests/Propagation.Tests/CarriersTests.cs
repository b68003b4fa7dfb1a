using System.Net.Http.Headers;

namespace Propagation.Tests;

public sealed class CarriersTests
{
    [Fact]
    public void HttpHeadersGetter_OneLine_ReturnsIt()
    {
        // Arrange
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

        // Act
        var values = Carriers.HttpHeadersGetter(request.Headers, "traceparent");

        // Assert
        Assert.Equal(1, values.Count);
        Assert.Equal("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", values[0]);
    }

    [Fact]
    public void HttpHeadersGetter_SeveralLines_ReturnsEveryLineInOrder()
    {
        // Arrange
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("tracestate", "a=1");
        request.Headers.TryAddWithoutValidation("tracestate", "b=2");

        // Act
        var values = Carriers.HttpHeadersGetter(request.Headers, "tracestate");

        // Assert
        Assert.Equal(2, values.Count);
        Assert.Equal("a=1", values[0]);
        Assert.Equal("b=2", values[1]);
    }

    [Fact]
    public void HttpHeadersGetter_Absent_ReturnsNoLine()
    {
        // Arrange
        using var request = new HttpRequestMessage();

        // Act
        var values = Carriers.HttpHeadersGetter(request.Headers, "traceparent");

        // Assert
        Assert.Equal(0, values.Count);
    }

    [Fact]
    public void HttpHeadersSetter_ExistingLines_ReplacesThemWithOne()
    {
        // Arrange
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("x-trace-id", "old-1");
        request.Headers.TryAddWithoutValidation("x-trace-id", "old-2");

        // Act
        Carriers.HttpHeadersSetter(request.Headers, "x-trace-id", "new");

        // Assert
        Assert.Equal(["new"], request.Headers.GetValues("x-trace-id"));
    }

    [Fact]
    public void TraceContextFormat_OverHttpHeaders_RoundTrips()
    {
        // Arrange
        using var outgoing = new HttpRequestMessage();
        var context = new PropagatedContext(new TraceId(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736), new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled, "rojo=00f067aa0ba902b7", PropagationFormat.TraceContext);
        var issues = PropagationIssues.None;

        // Act
        TraceContextFormat.Instance.Inject(context, (HttpHeaders)outgoing.Headers, Carriers.HttpHeadersSetter);
        var found = TraceContextFormat.Instance.TryExtract((HttpHeaders)outgoing.Headers, Carriers.HttpHeadersGetter, out var extracted, ref issues);

        // Assert
        Assert.True(found);
        Assert.Equal(PropagationIssues.None, issues);
        Assert.Equal(context.TraceId, extracted.TraceId);
        Assert.Equal(context.SpanId, extracted.SpanId);
        Assert.Equal(context.Flags, extracted.Flags);
        Assert.Equal(context.TraceState, extracted.TraceState);
    }

    [Fact]
    public void HeaderValues_FromArrayAndFromString_MatchTheConversions()
    {
        // Act
        var many = HeaderValues.FromArray(["a", "b"]);
        var one = HeaderValues.FromString("c");
        var none = HeaderValues.FromString(null);

        // Assert
        Assert.Equal(2, many.Count);
        Assert.Equal("b", many[1]);
        Assert.Equal(1, one.Count);
        Assert.Equal("c", one[0]);
        Assert.Equal(0, none.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => none[0]);
    }

    [Fact]
    public void DictionaryGetter_OrdinalDictionaryOtherCasing_FindsTheHeader()
    {
        // Arrange: a plain Dictionary (ordinal keys) filled by a service that lowercases header names.
        IDictionary<string, string> carrier = new Dictionary<string, string> { ["x-trace-id"] = "4bf92f3577b34da6a3ce929d0e0e4736" };

        // Act
        var values = Carriers.DictionaryGetter(carrier, LegacyFormat.TraceIdHeader);

        // Assert
        Assert.Equal(1, values.Count);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", values[0]);
    }

    [Fact]
    public void DictionaryGetter_OrdinalDictionarySeveralCasings_ReturnsEveryLine()
    {
        // Arrange
        IDictionary<string, string> carrier = new Dictionary<string, string>
        {
            ["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ["Traceparent"] = "00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01",
        };
        var issues = PropagationIssues.None;

        // Act
        var values = Carriers.DictionaryGetter(carrier, "traceparent");
        var found = TraceContextFormat.Instance.TryExtract(carrier, Carriers.DictionaryGetter, out _, ref issues);

        // Assert: one header on two lines, which W3C makes invalid, not one of them picked by its casing.
        Assert.Equal(2, values.Count);
        Assert.False(found);
        Assert.Equal(PropagationIssues.TraceParentDuplicated | PropagationIssues.TraceParentInvalid, issues);
    }

    [Fact]
    public void DictionarySetter_OrdinalDictionaryOtherCasing_ReplacesIt()
    {
        // Arrange
        IDictionary<string, string> carrier = new Dictionary<string, string> { ["x-trace-id"] = "old", ["X-TRACE-ID"] = "older", ["other"] = "kept" };

        // Act
        Carriers.DictionarySetter(carrier, LegacyFormat.TraceIdHeader, "new");

        // Assert
        Assert.Equal(2, carrier.Count);
        Assert.Equal("new", carrier[LegacyFormat.TraceIdHeader]);
        Assert.Equal("kept", carrier["other"]);
    }

    [Fact]
    public void DictionarySetter_CaseInsensitiveDictionary_ReplacesTheValueUnderTheExistingKey()
    {
        // Arrange
        var carrier = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["x-trace-id"] = "old" };

        // Act
        Carriers.DictionarySetter(carrier, LegacyFormat.TraceIdHeader, "new");

        // Assert
        Assert.Equal("new", Assert.Single(carrier).Value);
    }

    [Fact]
    public void TracePropagator_InjectIntoCopiedOrdinalDictionary_WritesEachHeaderOnce()
    {
        // Arrange: a consumed message's headers, copied to re-publish, with the names in another casing.
        IDictionary<string, string> outgoing = new Dictionary<string, string>
        {
            ["Traceparent"] = "00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01",
            ["x-trace-id"] = "80f198ee56343ba864fe8b2a57d3eff7",
            ["x-span-id"] = "e457b5a2e4d86bd1",
        };
        var context = new PropagatedContext(new TraceId(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736), new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled, null, PropagationFormat.None);
        var propagator = new TracePropagator();

        // Act
        propagator.Inject(context, null, outgoing, Carriers.DictionarySetter);
        var extracted = propagator.Extract(outgoing, Carriers.DictionaryGetter);

        // Assert: the new ids replaced the copied ones; the next reader sees one valid context and no conflict.
        Assert.Equal(3, outgoing.Count);
        Assert.Equal(PropagationIssues.None, extracted.Issues);
        Assert.Equal(context.TraceId, extracted.Parent.TraceId);
        Assert.Equal(context.SpanId, extracted.Parent.SpanId);
    }
}
