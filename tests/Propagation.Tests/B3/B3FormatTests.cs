using FsCheck;
using FsCheck.Fluent;

namespace Propagation.Tests.B3;

public class B3FormatTests
{
    // The B3 specification's (openzipkin/b3-propagation) own example ids.
    private const string SpecTrace = "80f198ee56343ba864fe8b2a57d3eff7";
    private const string SpecSpan = "e457b5a2e4d86bd1";
    private const string SpecParent = "05e3ac9a4f6e3b90";
    private static readonly TraceId SpecTraceId = new(0x80f198ee56343ba8, 0x64fe8b2a57d3eff7);

    private static (bool Ok, PropagatedContext Context, PropagationIssues Issues) Extract(TestHeaders headers, B3Format? format = null)
    {
        var issues = PropagationIssues.None;
        var ok = (format ?? new B3Format()).TryExtract(headers, TestHeaders.Getter, out var context, ref issues);
        return (ok, context, issues);
    }

    [Fact]
    public void TryExtract_NullCarrier_ThrowsArgumentNullException()
    {
        var issues = PropagationIssues.None;

        var ex = Assert.Throws<ArgumentNullException>(() => new B3Format().TryExtract<TestHeaders>(null!, TestHeaders.Getter, out _, ref issues));

        Assert.Equal("carrier", ex.ParamName);
    }

    [Fact]
    public void Inject_NullCarrier_ThrowsArgumentNullException()
    {
        var context = new PropagatedContext(new TraceId(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736), new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled, null, PropagationFormat.None);

        var ex = Assert.Throws<ArgumentNullException>(() => new B3Format().Inject<TestHeaders>(context, null!, TestHeaders.Setter));

        Assert.Equal("carrier", ex.ParamName);
    }

    [Fact]
    public void TryExtract_SpecExample_ReturnsSampledContextWithSpanIdAsParent()
    {
        var headers = TestHeaders.Of(
            ("X-B3-TraceId", SpecTrace),
            ("X-B3-ParentSpanId", SpecParent),
            ("X-B3-SpanId", SpecSpan),
            ("X-B3-Sampled", "1"));

        var (ok, context, issues) = Extract(headers);

        Assert.True(ok);
        Assert.Equal(SpecTraceId, context.TraceId);
        Assert.Equal(new SpanId(0xe457b5a2e4d86bd1), context.SpanId);
        Assert.True(context.IsSampled);
        Assert.Equal(PropagationFormat.B3, context.Format);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void TryExtract_SixtyFourBitTraceId_LeftPadsWithZeros()
    {
        var headers = TestHeaders.Of(("X-B3-TraceId", "463ac35c9f6413ad"), ("X-B3-SpanId", "a2fb4a1d1a96d312"));

        var (ok, context, _) = Extract(headers);

        Assert.True(ok);
        Assert.Equal(new TraceId(0, 0x463ac35c9f6413ad), context.TraceId);
    }

    [Theory]
    [InlineData("1", null, true, "accept")]
    [InlineData("0", null, false, "deny")]
    [InlineData("true", null, true, "lenient true")]
    [InlineData("false", null, false, "lenient false")]
    [InlineData(null, "1", true, "debug implies accept")]
    [InlineData("0", "1", true, "debug overrides a deny")]
    [InlineData(null, "0", true, "flags 0 is not debug; deferred defaults to sampled")]
    [InlineData(null, null, true, "deferred defaults to sampled")]
    [InlineData("0", "2", false, "flags 2 is not debug; the deny stands")]
    [InlineData("1", "6", true, "Finagle's flag set 6 is not debug; the accept stands")]
    [InlineData("0", "d", false, "flags d (the single-header spelling) is not debug; the deny stands")]
    public void TryExtract_SamplingStates_MapToSampledFlag(string? sampled, string? flags, bool expected, string reason)
    {
        var headers = TestHeaders.Of(("X-B3-TraceId", SpecTrace), ("X-B3-SpanId", SpecSpan), ("X-B3-Sampled", sampled), ("X-B3-Flags", flags));

        var (ok, context, _) = Extract(headers);

        Assert.True(ok, reason);
        Assert.Equal(expected, context.IsSampled);
    }

    [Fact]
    public void TryExtract_FlagsOtherThanOne_KeepsTheIdsAndTheDecisionForReinjection()
    {
        // Spec, Debug Flag: only "1" means debug. A Finagle caller sends its flag set (here 6) beside the ids; the context
        // must survive and be passed on unchanged (@opentelemetry/propagator-b3 does the same).
        var headers = TestHeaders.Of(
            ("X-B3-TraceId", SpecTrace), ("X-B3-SpanId", SpecSpan), ("X-B3-ParentSpanId", SpecParent), ("X-B3-Sampled", "0"), ("X-B3-Flags", "6"));

        var (ok, context, issues) = Extract(headers);
        var outgoing = new TestHeaders();
        new B3Format().Inject(context, outgoing, TestHeaders.Setter);

        Assert.True(ok);
        Assert.Equal(PropagationIssues.None, issues);
        Assert.Equal(SpecTrace, outgoing["X-B3-TraceId"]);
        Assert.Equal(SpecSpan, outgoing["X-B3-SpanId"]);
        Assert.Equal("0", outgoing["X-B3-Sampled"]);
        Assert.Null(outgoing["X-B3-Flags"]);
    }

    [Fact]
    public void TryExtract_DeferredWithSampledWhenDeferredFalse_ReturnsUnsampled()
    {
        var headers = TestHeaders.Of(("X-B3-TraceId", SpecTrace), ("X-B3-SpanId", SpecSpan));

        var (ok, context, _) = Extract(headers, new B3Format(sampledWhenDeferred: false));

        Assert.True(ok);
        Assert.False(context.IsSampled);
    }

    [Fact]
    public void TryExtract_DenyWithoutIds_ReturnsFalseWithoutIssues()
    {
        var headers = TestHeaders.Of(("X-B3-Sampled", "0"));

        var (ok, context, issues) = Extract(headers);

        Assert.False(ok);
        Assert.False(context.IsValid);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void TryExtract_LowercaseGrpcKeys_AreRead()
    {
        var headers = TestHeaders.Of(("x-b3-traceid", SpecTrace), ("x-b3-spanid", SpecSpan), ("x-b3-sampled", "0"));

        var (ok, context, _) = Extract(headers);

        Assert.True(ok);
        Assert.Equal(SpecTraceId, context.TraceId);
        Assert.False(context.IsSampled);
    }

    [Fact]
    public void TryExtract_NoHeaders_ReturnsFalseWithoutIssues()
    {
        var (ok, _, issues) = Extract(new TestHeaders());

        Assert.False(ok);
        Assert.Equal(PropagationIssues.None, issues);
    }

    // Malformed multi-header sets: every row is rejected as a whole with B3Invalid.
    // A value containing \u001E is sent as several header lines.
    [Theory]
    [InlineData("80F198EE56343BA864FE8B2A57D3EFF7", SpecSpan, null, null, null, "uppercase 128-bit trace id")]
    [InlineData("463AC35C9F6413AD", SpecSpan, null, null, null, "uppercase 64-bit trace id")]
    [InlineData("80f198ee56343ba864fe8b2a57d3eff", SpecSpan, null, null, null, "31-character trace id")]
    [InlineData("463ac35c9f6413a", SpecSpan, null, null, null, "15-character trace id")]
    [InlineData("463ac35c9f6413ad0", SpecSpan, null, null, null, "17-character trace id")]
    [InlineData("80f198ee56343ba864fe8b2a57d3eff70", SpecSpan, null, null, null, "33-character trace id (over the bound)")]
    [InlineData("00000000000000000000000000000000", SpecSpan, null, null, null, "all-zero 128-bit trace id")]
    [InlineData("0000000000000000", SpecSpan, null, null, null, "all-zero 64-bit trace id")]
    [InlineData("80f198ee56343ba864fe8b2a57d3effg", SpecSpan, null, null, null, "non-hex trace id")]
    [InlineData("80f198ee-5634-3ba8-64fe-8b2a57d3eff7", SpecSpan, null, null, null, "UUID trace id (not B3)")]
    [InlineData("", SpecSpan, null, null, null, "empty trace id")]
    [InlineData("80f198ee56343ba8\r\n64fe8b2a57d3eff", SpecSpan, null, null, null, "CR LF in trace id")]
    [InlineData("80f198ee56343ba864fe8b2a57d3effé", SpecSpan, null, null, null, "non-ASCII trace id")]
    [InlineData(SpecTrace, "e457b5a2e4d86bd", null, null, null, "15-character span id")]
    [InlineData(SpecTrace, "E457B5A2E4D86BD1", null, null, null, "uppercase span id")]
    [InlineData(SpecTrace, "0000000000000000", null, null, null, "all-zero span id")]
    [InlineData(SpecTrace, "e457b5a2\0e4d86bd", null, null, null, "NUL in span id")]
    [InlineData(SpecTrace, null, null, null, null, "trace id without span id")]
    [InlineData(null, SpecSpan, null, null, null, "span id without trace id")]
    [InlineData(null, null, SpecParent, null, null, "parent span id alone")]
    [InlineData(SpecTrace, SpecSpan, "05e3ac9a4f6e3b9", null, null, "15-character parent span id")]
    [InlineData(SpecTrace, SpecSpan, "0000000000000000", null, null, "all-zero parent span id")]
    [InlineData(SpecTrace, SpecSpan, null, "2", null, "sampled 2")]
    [InlineData(SpecTrace, SpecSpan, null, "True", null, "capitalised True")]
    [InlineData(SpecTrace, SpecSpan, null, "yes", null, "sampled yes")]
    [InlineData(SpecTrace, SpecSpan, null, "", null, "empty sampled")]
    public void TryExtract_MalformedHeaders_AreRejected(string? traceId, string? spanId, string? parentId, string? sampled, string? flags, string reason)
    {
        var headers = TestHeaders.Of(("X-B3-TraceId", traceId), ("X-B3-SpanId", spanId), ("X-B3-ParentSpanId", parentId), ("X-B3-Sampled", sampled), ("X-B3-Flags", flags));

        var (ok, context, issues) = Extract(headers);

        Assert.False(ok, reason);
        Assert.False(context.IsValid, reason);
        Assert.True((issues & PropagationIssues.B3Invalid) != 0, $"{reason}: got {issues}");
    }

    [Fact]
    public void TryExtract_HeadersOnSeveralLines_TheFirstValueWins()
    {
        // openzipkin/b3-propagation, Multiple Headers: when extracting, the first value of a header wins.
        var headers = TestHeaders.Of(
            ("X-B3-TraceId", SpecTrace + "\u001E463ac35c9f6413ad48485a3953bb6124"),
            ("X-B3-SpanId", SpecSpan + "\u001Ea2fb4a1d1a96d312"),
            ("X-B3-ParentSpanId", SpecParent + "\u001Enot-a-span-id"),
            ("X-B3-Sampled", "0\u001E1"));

        var (ok, context, issues) = Extract(headers);

        Assert.True(ok);
        Assert.Equal(SpecTraceId, context.TraceId);
        Assert.Equal(new SpanId(0xe457b5a2e4d86bd1), context.SpanId);
        Assert.False(context.IsSampled);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void TryExtract_InvalidFirstOfSeveralLines_IsRejected()
    {
        // The first value wins even when a later line would be valid: it is not searched for one.
        var headers = TestHeaders.Of(("X-B3-TraceId", "80F198EE56343BA864FE8B2A57D3EFF7\u001E" + SpecTrace), ("X-B3-SpanId", SpecSpan));

        var (ok, context, issues) = Extract(headers);

        Assert.False(ok);
        Assert.False(context.IsValid);
        Assert.Equal(PropagationIssues.B3Invalid, issues);
    }

    [Fact]
    public void TryExtract_HugeSpanId_IsRejectedUnreadAsTooLong()
    {
        var headers = TestHeaders.Of(("X-B3-TraceId", SpecTrace), ("X-B3-SpanId", new string('a', 50_000)));

        var (ok, _, issues) = Extract(headers);

        Assert.False(ok);
        Assert.Equal(PropagationIssues.HeaderTooLong | PropagationIssues.B3Invalid, issues);
    }

    [Fact]
    public void Inject_SampledContext_WritesTraceSpanAndSampled()
    {
        var headers = TestHeaders.Of(("X-B3-Sampled", "0\u001E1"));
        var context = new PropagatedContext(new TraceId(0, 0x463ac35c9f6413ad), new SpanId(0xa2fb4a1d1a96d312), TraceFlags.Sampled, "a=b", PropagationFormat.None);

        new B3Format().Inject(context, headers, TestHeaders.Setter);

        Assert.Equal("0000000000000000463ac35c9f6413ad", headers["X-B3-TraceId"]);
        Assert.Equal("a2fb4a1d1a96d312", headers["X-B3-SpanId"]);
        Assert.Equal(["1"], headers.GetLines("X-B3-Sampled"));
        Assert.Null(headers["X-B3-ParentSpanId"]);
        Assert.Null(headers["X-B3-Flags"]);
    }

    [Fact]
    public void Inject_UnsampledContext_WritesDeny()
    {
        var headers = new TestHeaders();
        var context = new PropagatedContext(SpecTraceId, new SpanId(1), TraceFlags.None, null, PropagationFormat.None);

        new B3Format().Inject(context, headers, TestHeaders.Setter);

        Assert.Equal("0", headers["X-B3-Sampled"]);
    }

    [Fact]
    public void Inject_ContextWithoutSpanId_WritesNothing()
    {
        var headers = new TestHeaders();

        new B3Format().Inject(new PropagatedContext(SpecTraceId, default, TraceFlags.Sampled, null, PropagationFormat.Legacy), headers, TestHeaders.Setter);

        Assert.Empty(headers.Names);
    }

    [Fact]
    public void Fields_ListsAllFiveHeaders()
    {
        Assert.Equal(["X-B3-TraceId", "X-B3-SpanId", "X-B3-ParentSpanId", "X-B3-Sampled", "X-B3-Flags"], new B3Format().Fields);
    }

    [Fact]
    public void InjectThenExtract_AnyContext_RoundTrips()
    {
        var format = new B3Format();
        var property = Prop.ForAll<ulong, ulong, ulong>((high, low, span) =>
        {
            var sampled = (span & 1) == 0;
            var traceId = new TraceId(high, low == 0 && high == 0 ? 1 : low);
            var spanId = new SpanId(span == 0 ? 1 : span);
            var context = new PropagatedContext(traceId, spanId, sampled ? TraceFlags.Sampled : TraceFlags.None, null, PropagationFormat.B3);
            var headers = new TestHeaders();

            format.Inject(context, headers, TestHeaders.Setter);
            var issues = PropagationIssues.None;
            var ok = format.TryExtract(headers, TestHeaders.Getter, out var extracted, ref issues);

            return ok && extracted == context && issues == PropagationIssues.None;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), property);
    }

    [Fact]
    public void ExtractThenInject_AnySpecEncoding_ReadsTheIdsAndRoundTrips()
    {
        // Every encoding the spec allows: 64-bit (16 characters) or 128-bit trace ids, an optional parent span id,
        // each sampling state (deferred, accept, deny, the lenient true/false, debug through X-B3-Flags).
        string?[] sampledValues = [null, "1", "0", "true", "false", null];
        bool[] expectedSampled = [true, true, false, true, false, true];
        var format = new B3Format();
        var property = Prop.ForAll<ulong, ulong, ulong>((high, low, span) =>
        {
            var choice = (int)((high ^ (low >> 3) ^ (span >> 7)) % 24);
            var state = choice % 6;
            var sixtyFourBit = choice % 2 == 0;
            var withParent = choice % 3 == 0;
            var traceId = new TraceId(sixtyFourBit ? 0 : high, low == 0 ? 1 : low);
            var spanId = new SpanId(span == 0 ? 1 : span);
            var traceText = sixtyFourBit ? traceId.ToString()[16..] : traceId.ToString();
            var headers = TestHeaders.Of(
                ("X-B3-TraceId", traceText),
                ("X-B3-SpanId", spanId.ToString()),
                ("X-B3-ParentSpanId", withParent ? new SpanId(~spanId.Value).ToString() : null),
                ("X-B3-Sampled", sampledValues[state]),
                ("X-B3-Flags", state == 5 ? "1" : null));

            var (ok, extracted, issues) = Extract(headers);
            var reinjected = new TestHeaders();
            format.Inject(extracted, reinjected, TestHeaders.Setter);
            var (again, extractedAgain, issuesAgain) = Extract(reinjected);

            return ok && issues == PropagationIssues.None
                && extracted.TraceId == traceId && extracted.SpanId == spanId && extracted.IsSampled == expectedSampled[state]
                && again && issuesAgain == PropagationIssues.None && extractedAgain == extracted;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), property);
    }

    [Fact]
    public void TryExtract_RandomStrings_NeverThrowsNorChangesCarrier()
    {
        var format = new B3Format();
        var property = Prop.ForAll<string, string, string>((trace, span, sampled) =>
        {
            var headers = TestHeaders.Of(("X-B3-TraceId", trace), ("X-B3-SpanId", span), ("X-B3-Sampled", sampled), ("X-B3-Flags", sampled), ("X-B3-ParentSpanId", span));
            var before = headers.Snapshot();
            var issues = PropagationIssues.None;

            var ok = format.TryExtract(headers, TestHeaders.Getter, out var context, ref issues);

            return headers.Matches(before) && ok == context.IsValid;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }
}
