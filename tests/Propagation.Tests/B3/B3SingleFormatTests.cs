using FsCheck;
using FsCheck.Fluent;

namespace Propagation.Tests.B3;

public class B3SingleFormatTests
{
    private const string SpecTrace = "80f198ee56343ba864fe8b2a57d3eff7";
    private const string SpecSpan = "e457b5a2e4d86bd1";
    private const string SpecParent = "05e3ac9a4f6e3b90";
    private static readonly TraceId SpecTraceId = new(0x80f198ee56343ba8, 0x64fe8b2a57d3eff7);

    private static (bool Ok, PropagatedContext Context, PropagationIssues Issues) Extract(string? value, B3SingleFormat? format = null)
    {
        var headers = TestHeaders.Of(("b3", value));
        var issues = PropagationIssues.None;
        var ok = (format ?? new B3SingleFormat()).TryExtract(headers, TestHeaders.Getter, out var context, ref issues);
        return (ok, context, issues);
    }

    [Fact]
    public void TryExtract_NullCarrier_ThrowsArgumentNullException()
    {
        var issues = PropagationIssues.None;

        var ex = Assert.Throws<ArgumentNullException>(() => new B3SingleFormat().TryExtract<TestHeaders>(null!, TestHeaders.Getter, out _, ref issues));

        Assert.Equal("carrier", ex.ParamName);
    }

    [Fact]
    public void Inject_NullCarrier_ThrowsArgumentNullException()
    {
        var context = new PropagatedContext(new TraceId(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736), new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled, null, PropagationFormat.None);

        var ex = Assert.Throws<ArgumentNullException>(() => new B3SingleFormat().Inject<TestHeaders>(context, null!, TestHeaders.Setter));

        Assert.Equal("carrier", ex.ParamName);
    }

    [Theory]
    [InlineData(SpecTrace + "-" + SpecSpan + "-1-" + SpecParent, true, "spec example with parent")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-1", true, "spec example, accept")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-d", true, "spec example, debug implies accept")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-0", false, "deny with ids")]
    [InlineData(SpecTrace + "-" + SpecSpan, true, "deferred defaults to sampled")]
    [InlineData("  " + SpecTrace + "-" + SpecSpan + "-0\t", false, "optional whitespace")]
    public void TryExtract_SpecForms_ReturnContext(string value, bool sampled, string reason)
    {
        var (ok, context, issues) = Extract(value);

        Assert.True(ok, reason);
        Assert.Equal(SpecTraceId, context.TraceId);
        Assert.Equal(new SpanId(0xe457b5a2e4d86bd1), context.SpanId);
        Assert.Equal(sampled, context.IsSampled);
        Assert.Equal(PropagationFormat.B3Single, context.Format);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void TryExtract_SixtyFourBitTraceId_LeftPadsWithZeros()
    {
        var (ok, context, _) = Extract("463ac35c9f6413ad-a2fb4a1d1a96d312-1");

        Assert.True(ok);
        Assert.Equal(new TraceId(0, 0x463ac35c9f6413ad), context.TraceId);
    }

    [Theory]
    [InlineData("0", "deny alone")]
    [InlineData("1", "accept alone")]
    [InlineData("d", "debug alone")]
    public void TryExtract_SamplingStateAlone_ReturnsNoContextAndNoIssue(string value, string reason)
    {
        var (ok, context, issues) = Extract(value);

        Assert.False(ok, reason);
        Assert.False(context.IsValid);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void TryExtract_DeferredWithSampledWhenDeferredFalse_ReturnsUnsampled()
    {
        var (ok, context, _) = Extract(SpecTrace + "-" + SpecSpan, new B3SingleFormat(sampledWhenDeferred: false));

        Assert.True(ok);
        Assert.False(context.IsSampled);
    }

    // Malformed b3 values: every row is rejected with B3Invalid.
    // A value containing \u001E is sent as several header lines.
    [Theory]
    [InlineData("", "empty value")]
    [InlineData("   ", "whitespace only")]
    [InlineData("x", "unknown single character")]
    [InlineData("00", "two-character sampling state")]
    [InlineData("D", "uppercase debug alone")]
    [InlineData("-", "dash alone")]
    [InlineData("80F198EE56343BA864FE8B2A57D3EFF7-" + SpecSpan + "-1", "uppercase trace id")]
    [InlineData("80f198ee56343ba864fe8b2a57d3eff-" + SpecSpan + "-1", "31-character trace id")]
    [InlineData("463ac35c9f6413a-" + SpecSpan + "-1", "15-character trace id")]
    [InlineData("00000000000000000000000000000000-" + SpecSpan + "-1", "all-zero trace id")]
    [InlineData("0000000000000000-" + SpecSpan + "-1", "all-zero 64-bit trace id")]
    [InlineData("80f198ee56343ba864fe8b2a57d3effz-" + SpecSpan + "-1", "non-hex trace id")]
    [InlineData(SpecTrace, "trace id alone")]
    [InlineData(SpecTrace + "-", "missing span id")]
    [InlineData(SpecTrace + "-e457b5a2e4d86bd", "15-character span id")]
    [InlineData(SpecTrace + "-e457b5a2e4d86bd1f", "17-character span id")]
    [InlineData(SpecTrace + "-E457B5A2E4D86BD1", "uppercase span id")]
    [InlineData(SpecTrace + "-0000000000000000", "all-zero span id")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-", "dash without sampling state")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-2", "sampling state 2")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-D", "uppercase debug")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-true", "sampling state true")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-1-", "dash without parent span id")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-1-05e3ac9a4f6e3b9", "15-character parent span id")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-1-05E3AC9A4F6E3B90", "uppercase parent span id")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-1-0000000000000000", "all-zero parent span id")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-1-" + SpecParent + "-", "trailing dash")]
    [InlineData(SpecTrace + "-" + SpecSpan + "--" + SpecParent, "parent span id without sampling state")]
    [InlineData(SpecTrace + "_" + SpecSpan + "_1", "underscore delimiters")]
    [InlineData(SpecTrace + "," + SpecSpan + ",1", "comma delimiters")]
    [InlineData("-" + SpecTrace + "-" + SpecSpan, "leading dash")]
    [InlineData(SpecTrace + "-" + SpecSpan + "\r\n-1", "CR LF inside the value")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-1\0", "NUL control character")]
    [InlineData(SpecTrace + "-e457b5a2é4d86bd1-1", "non-ASCII letter in span id")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-1-" + SpecParent + "-" + SpecParent, "five fields (over the bound)")]
    public void TryExtract_MalformedValue_IsRejected(string value, string reason)
    {
        var (ok, context, issues) = Extract(value);

        Assert.False(ok, reason);
        Assert.False(context.IsValid, reason);
        Assert.True((issues & PropagationIssues.B3Invalid) != 0, $"{reason}: got {issues}");
    }

    [Theory]
    [InlineData(SpecTrace + "-" + SpecSpan + "-1\u001E" + SpecTrace + "-" + SpecSpan + "-1", "the same value twice")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-1\u001E463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-0", "a different later value")]
    [InlineData(SpecTrace + "-" + SpecSpan + "-1\u001Enot-b3", "an invalid later value")]
    public void TryExtract_SeveralLines_TheFirstValueWinsAndIsReinjected(string value, string reason)
    {
        // Spec, Multiple Headers: the first value wins (as for X-B3-*; @opentelemetry/propagator-b3 reads the first too).
        var (ok, context, issues) = Extract(value);
        var outgoing = new TestHeaders();
        new B3SingleFormat().Inject(context, outgoing, TestHeaders.Setter);

        Assert.True(ok, reason);
        Assert.Equal(PropagationIssues.None, issues);
        Assert.Equal([SpecTrace + "-" + SpecSpan + "-1"], outgoing.GetLines("b3"));
    }

    [Fact]
    public void TryExtract_HugeValue_IsRejectedUnreadAsTooLong()
    {
        var (ok, _, issues) = Extract(new string('1', 10_000));

        Assert.False(ok);
        Assert.Equal(PropagationIssues.HeaderTooLong | PropagationIssues.B3Invalid, issues);
    }

    [Theory]
    [InlineData(true, "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1")]
    [InlineData(false, "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-0")]
    public void Inject_Context_WritesTraceSpanAndSamplingState(bool sampled, string expected)
    {
        var headers = TestHeaders.Of(("b3", "stale\u001Estale"));
        var context = new PropagatedContext(SpecTraceId, new SpanId(0xe457b5a2e4d86bd1), sampled ? TraceFlags.Sampled : TraceFlags.None, null, PropagationFormat.None);

        new B3SingleFormat().Inject(context, headers, TestHeaders.Setter);

        Assert.Equal([expected], headers.GetLines("b3"));
    }

    [Fact]
    public void Inject_InvalidContext_WritesNothing()
    {
        var headers = new TestHeaders();

        new B3SingleFormat().Inject(default, headers, TestHeaders.Setter);

        Assert.Empty(headers.Names);
    }

    [Fact]
    public void InjectThenExtract_AnyContext_RoundTrips()
    {
        var format = new B3SingleFormat();
        var property = Prop.ForAll<ulong, ulong, ulong>((high, low, span) =>
        {
            var sampled = (span & 1) == 0;
            var traceId = new TraceId(high, low == 0 && high == 0 ? 1 : low);
            var spanId = new SpanId(span == 0 ? 1 : span);
            var context = new PropagatedContext(traceId, spanId, sampled ? TraceFlags.Sampled : TraceFlags.None, null, PropagationFormat.B3Single);
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
        // Every form the spec allows: a 64-bit (16 characters) or 128-bit trace id, a sampling state that is absent
        // (deferred), 1, 0 or d (debug implies accept), and a parent span id after a sampling state.
        string[] states = ["", "-1", "-0", "-d"];
        bool[] expectedSampled = [true, true, false, true];
        var format = new B3SingleFormat();
        var property = Prop.ForAll<ulong, ulong, ulong>((high, low, span) =>
        {
            var choice = (int)((high ^ (low >> 3) ^ (span >> 7)) % 24);
            var state = choice % 4;
            var sixtyFourBit = choice % 2 == 0;
            var withParent = state != 0 && choice % 3 == 0;
            var traceId = new TraceId(sixtyFourBit ? 0 : high, low == 0 ? 1 : low);
            var spanId = new SpanId(span == 0 ? 1 : span);
            var traceText = sixtyFourBit ? traceId.ToString()[16..] : traceId.ToString();
            var value = traceText + "-" + spanId + states[state] + (withParent ? "-" + new SpanId(~spanId.Value) : string.Empty);

            var (ok, extracted, issues) = Extract(value);
            var reinjected = new TestHeaders();
            format.Inject(extracted, reinjected, TestHeaders.Setter);
            var againIssues = PropagationIssues.None;
            var again = format.TryExtract(reinjected, TestHeaders.Getter, out var extractedAgain, ref againIssues);

            return ok && issues == PropagationIssues.None
                && extracted.TraceId == traceId && extracted.SpanId == spanId && extracted.IsSampled == expectedSampled[state]
                && again && againIssues == PropagationIssues.None && extractedAgain == extracted;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), property);
    }

    [Fact]
    public void TryExtract_RandomStrings_NeverThrowsNorChangesCarrier()
    {
        var format = new B3SingleFormat();
        var property = Prop.ForAll<string>(value =>
        {
            var headers = TestHeaders.Of(("b3", value));
            var before = headers.Snapshot();
            var issues = PropagationIssues.None;

            var ok = format.TryExtract(headers, TestHeaders.Getter, out var context, ref issues);

            return headers.Matches(before) && ok == context.IsValid;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }

    [Fact]
    public void TryExtract_RandomB3ShapedValues_NeverThrows()
    {
        // Values built from the b3 alphabet exercise the delimiter logic more than random text does.
        var alphabet = "0123456789abcdefD-".ToCharArray();
        var values = Gen.ArrayOf(Gen.Elements(alphabet)).Select(chars => new string(chars)).ToArbitrary();
        var format = new B3SingleFormat();
        var property = Prop.ForAll(values, value =>
        {
            var issues = PropagationIssues.None;
            var ok = format.TryExtract(TestHeaders.Of(("b3", value)), TestHeaders.Getter, out var context, ref issues);
            return ok == context.IsValid && (ok || issues != PropagationIssues.None || value.Length <= 1);
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }
}
