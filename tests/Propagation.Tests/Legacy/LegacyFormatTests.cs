using FsCheck;
using FsCheck.Fluent;

namespace Propagation.Tests.Legacy;

public class LegacyFormatTests
{
    private const string Trace32 = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string Span16 = "00f067aa0ba902b7";
    private static readonly TraceId ExpectedTrace = new(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736);
    private static readonly SpanId ExpectedSpan = new(0x00f067aa0ba902b7);

    private static (bool Ok, PropagatedContext Context, PropagationIssues Issues) Extract(TestHeaders headers, LegacyFormat? format = null)
    {
        var issues = PropagationIssues.None;
        var ok = (format ?? new LegacyFormat()).TryExtract(headers, TestHeaders.Getter, out var context, ref issues);
        return (ok, context, issues);
    }

    [Fact]
    public void TryExtract_NullCarrier_ThrowsArgumentNullException()
    {
        var issues = PropagationIssues.None;

        var ex = Assert.Throws<ArgumentNullException>(() => new LegacyFormat().TryExtract<TestHeaders>(null!, TestHeaders.Getter, out _, ref issues));

        Assert.Equal("carrier", ex.ParamName);
    }

    [Fact]
    public void Inject_NullCarrier_ThrowsArgumentNullException()
    {
        var context = new PropagatedContext(new TraceId(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736), new SpanId(0x00f067aa0ba902b7), TraceFlags.Sampled, null, PropagationFormat.None);

        var ex = Assert.Throws<ArgumentNullException>(() => new LegacyFormat().Inject<TestHeaders>(context, null!, TestHeaders.Setter));

        Assert.Equal("carrier", ex.ParamName);
    }

    [Fact]
    public void TryExtract_HexPair_ReturnsSampledLegacyContext()
    {
        var headers = TestHeaders.Of(("X-Trace-ID", Trace32), ("X-Span-ID", Span16));

        var (ok, context, issues) = Extract(headers);

        Assert.True(ok);
        Assert.Equal(ExpectedTrace, context.TraceId);
        Assert.Equal(ExpectedSpan, context.SpanId);
        Assert.Equal(TraceFlags.Sampled, context.Flags);
        Assert.Equal(PropagationFormat.Legacy, context.Format);
        Assert.Null(context.TraceState);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Theory]
    [InlineData("4bf92f35-77b3-4da6-a3ce-929d0e0e4736", "dashed lowercase UUID")]
    [InlineData("4BF92F35-77B3-4DA6-A3CE-929D0E0E4736", "dashed uppercase UUID")]
    [InlineData("4BF92F3577B34DA6A3CE929D0E0E4736", "uppercase 32 hex digits")]
    [InlineData("4bf92f3577B34DA6a3ce929d0e0e4736", "mixed case 32 hex digits")]
    [InlineData("  4bf92f3577b34da6a3ce929d0e0e4736\t", "optional whitespace around the value")]
    public void TryExtract_AcceptedTraceIdForms_ParseToSameId(string value, string reason)
    {
        var headers = TestHeaders.Of(("X-Trace-ID", value), ("X-Span-ID", Span16));

        var (ok, context, issues) = Extract(headers);

        Assert.True(ok, reason);
        Assert.Equal(ExpectedTrace, context.TraceId);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void TryExtract_SixteenHexTraceId_LeftPadsWithZeros()
    {
        var headers = TestHeaders.Of(("X-Trace-ID", "A3CE929D0E0E4736"), ("X-Span-ID", Span16));

        var (ok, context, _) = Extract(headers);

        Assert.True(ok);
        Assert.Equal(new TraceId(0, 0xa3ce929d0e0e4736), context.TraceId);
        Assert.Equal("0000000000000000a3ce929d0e0e4736", context.TraceId.ToString());
    }

    [Theory]
    [InlineData("00f067aa0ba902b7", 0x00f067aa0ba902b7UL, "16 lowercase hex digits")]
    [InlineData("00F067AA0BA902B7", 0x00f067aa0ba902b7UL, "16 uppercase hex digits")]
    [InlineData("11111111-2222-3333-4444-555555555555", 0x4444555555555555UL, "UUID maps to its last 8 bytes")]
    [InlineData("11111111222233334444555555555555", 0x4444555555555555UL, "32 hex digits map to the last 8 bytes")]
    [InlineData("11111111-2222-3333-0000-000000000000", 0x1111111122223333UL, "UUID with zero last 8 bytes maps to its first 8 bytes")]
    [InlineData("00000000-0000-0000-00f0-67aa0ba902b7", 0x00f067aa0ba902b7UL, "UUID written by Uuid injection maps back")]
    public void TryExtract_SpanIdForms_MapByDocumentedRule(string value, ulong expected, string reason)
    {
        var headers = TestHeaders.Of(("X-Trace-ID", Trace32), ("X-Span-ID", value));

        var (ok, context, issues) = Extract(headers);

        Assert.True(ok, reason);
        Assert.Equal(new SpanId(expected), context.SpanId);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void TryExtract_LowercaseGrpcMetadataKeys_AreRead()
    {
        var headers = TestHeaders.Of(("x-trace-id", Trace32), ("x-span-id", Span16));

        var (ok, context, _) = Extract(headers);

        Assert.True(ok);
        Assert.Equal(ExpectedTrace, context.TraceId);
        Assert.Equal(ExpectedSpan, context.SpanId);
    }

    [Fact]
    public void TryExtract_TraceIdWithoutSpanId_KeepsTraceIdAndReportsMissingSpan()
    {
        var headers = TestHeaders.Of(("X-Trace-ID", Trace32));

        var (ok, context, issues) = Extract(headers);

        Assert.True(ok);
        Assert.Equal(ExpectedTrace, context.TraceId);
        Assert.True(context.SpanId.IsEmpty);
        Assert.True(context.IsValid);
        Assert.Equal(PropagationIssues.LegacySpanIdMissing, issues);
    }

    [Fact]
    public void TryExtract_SpanIdWithoutTraceId_ReturnsFalseAndReportsInvalid()
    {
        var headers = TestHeaders.Of(("X-Span-ID", Span16));

        var (ok, context, issues) = Extract(headers);

        Assert.False(ok);
        Assert.False(context.IsValid);
        Assert.Equal(PropagationIssues.LegacyInvalid, issues);
    }

    [Fact]
    public void TryExtract_NoHeaders_ReturnsFalseWithoutIssues()
    {
        var (ok, context, issues) = Extract(new TestHeaders());

        Assert.False(ok);
        Assert.Equal(default, context);
        Assert.Equal(PropagationIssues.None, issues);
    }

    [Fact]
    public void TryExtract_NotSampledByOption_ReturnsUnsampledContext()
    {
        var headers = TestHeaders.Of(("X-Trace-ID", Trace32), ("X-Span-ID", Span16));

        var (ok, context, _) = Extract(headers, new LegacyFormat(LegacyIdFormat.Hex, sampled: false));

        Assert.True(ok);
        Assert.False(context.IsSampled);
    }

    [Fact]
    public void TryExtract_ExistingIssues_AreKept()
    {
        var headers = TestHeaders.Of(("X-Trace-ID", "zz"));
        var issues = PropagationIssues.TraceParentInvalid;

        new LegacyFormat().TryExtract(headers, TestHeaders.Getter, out _, ref issues);

        Assert.Equal(PropagationIssues.TraceParentInvalid | PropagationIssues.LegacyInvalid, issues);
    }

    // Malformed X-Trace-ID values: every row must be rejected (no context) with the expected issue.
    // A value containing \u001E is sent as several header lines.
    [Theory]
    [InlineData("", PropagationIssues.LegacyInvalid, "empty value")]
    [InlineData("   ", PropagationIssues.LegacyInvalid, "whitespace only")]
    [InlineData("4bf92f3577b34da", PropagationIssues.LegacyInvalid, "15 hex digits")]
    [InlineData("4bf92f3577b34da6a", PropagationIssues.LegacyInvalid, "17 hex digits")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e473", PropagationIssues.LegacyInvalid, "31 hex digits")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e47360", PropagationIssues.LegacyInvalid, "33 hex digits")]
    [InlineData("4bf92f35-77b3-4da6-a3ce-929d0e0e473", PropagationIssues.LegacyInvalid, "UUID one digit short")]
    [InlineData("4bf92f35-77b3-4da6-a3ce-929d0e0e47360", PropagationIssues.LegacyInvalid, "UUID one digit long")]
    [InlineData("4bf92f3-577b3-4da6-a3ce-929d0e0e4736", PropagationIssues.LegacyInvalid, "UUID dash in the wrong place")]
    [InlineData("4bf92f35_77b3_4da6_a3ce_929d0e0e4736", PropagationIssues.LegacyInvalid, "UUID with underscores instead of dashes")]
    [InlineData("{4bf92f35-77b3-4da6-a3ce-929d0e0e4736}", PropagationIssues.LegacyInvalid, "UUID in braces")]
    [InlineData("4bf92f35-77b3-4da6-a3ce-929d-0e0e4736", PropagationIssues.LegacyInvalid, "five dashes")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e473g", PropagationIssues.LegacyInvalid, "non-hex g in 32 digits")]
    [InlineData("a3ce929d0e0e473z", PropagationIssues.LegacyInvalid, "non-hex z in 16 digits")]
    [InlineData("0x4bf92f3577b34da6a3ce929d0e0e47", PropagationIssues.LegacyInvalid, "0x prefix")]
    [InlineData("-4bf92f3577b34da6a3ce929d0e0e473", PropagationIssues.LegacyInvalid, "leading minus sign")]
    [InlineData("00000000000000000000000000000000", PropagationIssues.LegacyInvalid, "all zeros, 32 digits")]
    [InlineData("0000000000000000", PropagationIssues.LegacyInvalid, "all zeros, 16 digits")]
    [InlineData("00000000-0000-0000-0000-000000000000", PropagationIssues.LegacyInvalid, "nil UUID")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736\u001E4bf92f3577b34da6a3ce929d0e0e4736", PropagationIssues.LegacyInvalid, "duplicate lines")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736, 4bf92f3577b34da6a3ce929d0e0e4736", PropagationIssues.LegacyInvalid, "two values folded with a comma")]
    [InlineData("4bf92f3577b34da6\r\na3ce929d0e0e4736", PropagationIssues.LegacyInvalid, "CR LF inside the value")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736\r\nX-Evil: 1", PropagationIssues.LegacyInvalid, "header injection attempt")]
    [InlineData("4bf92f3577b34da6\0a3ce929d0e0e473", PropagationIssues.LegacyInvalid, "NUL control character")]
    [InlineData("4bf92f3577b34da6\ta3ce929d0e0e473", PropagationIssues.LegacyInvalid, "tab inside the value")]
    [InlineData("４bf92f3577b34da6a3ce929d0e0e4736", PropagationIssues.LegacyInvalid, "fullwidth unicode digit")]
    [InlineData("٤bf92f3577b34da6a3ce929d0e0e4736", PropagationIssues.LegacyInvalid, "Arabic-Indic unicode digit")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e47😀", PropagationIssues.LegacyInvalid, "emoji (surrogate pair)")]
    [InlineData("null", PropagationIssues.LegacyInvalid, "the word null")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e47364bf92f3577b34da6a3ce929d0e0e47361", PropagationIssues.HeaderTooLong, "65 characters, over the bound")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736-4bf92f3577b34da6a3ce929d0e0e4736", PropagationIssues.HeaderTooLong, "two ids joined, over the bound")]
    public void TryExtract_MalformedTraceId_IsRejected(string value, PropagationIssues expected, string reason)
    {
        var headers = TestHeaders.Of(("X-Trace-ID", value), ("X-Span-ID", Span16));

        var (ok, context, issues) = Extract(headers);

        Assert.False(ok, reason);
        Assert.False(context.IsValid, reason);
        Assert.True((issues & expected) == expected, $"{reason}: got {issues}");
        Assert.True((issues & PropagationIssues.LegacyInvalid) != 0, reason);
    }

    [Fact]
    public void TryExtract_HugeTraceId_IsRejectedUnread()
    {
        var headers = TestHeaders.Of(("X-Trace-ID", new string('a', 100_000)));

        var (ok, _, issues) = Extract(headers);

        Assert.False(ok);
        Assert.Equal(PropagationIssues.HeaderTooLong | PropagationIssues.LegacyInvalid, issues);
    }

    // Malformed X-Span-ID values with a valid X-Trace-ID: the trace id is kept, the span id dropped.
    [Theory]
    [InlineData("", "empty value")]
    [InlineData("00f067aa0ba902b", "15 hex digits")]
    [InlineData("00f067aa0ba902b70", "17 hex digits")]
    [InlineData("0000000000000000", "all zeros")]
    [InlineData("00000000-0000-0000-0000-000000000000", "nil UUID")]
    [InlineData("00f067aa0ba902bx", "non-hex")]
    [InlineData("00f067aa\r\n0ba902b7", "CR LF inside the value")]
    [InlineData("00f067aa0ba902b7\u001E00f067aa0ba902b7", "duplicate lines")]
    [InlineData("00f067aa0ba902b7\u0007", "BEL control character")]
    [InlineData("00f067aa0ba902bé", "non-ASCII letter")]
    [InlineData("00f067aa0ba902b7000000000000000000000000000000000000000000000000000", "over the length bound")]
    public void TryExtract_MalformedSpanId_KeepsTraceIdWithoutSpan(string value, string reason)
    {
        var headers = TestHeaders.Of(("X-Trace-ID", Trace32), ("X-Span-ID", value));

        var (ok, context, issues) = Extract(headers);

        Assert.True(ok, reason);
        Assert.Equal(ExpectedTrace, context.TraceId);
        Assert.True(context.SpanId.IsEmpty, reason);
        Assert.True((issues & (PropagationIssues.LegacyInvalid | PropagationIssues.LegacySpanIdMissing)) == (PropagationIssues.LegacyInvalid | PropagationIssues.LegacySpanIdMissing), $"{reason}: got {issues}");
    }

    [Fact]
    public void Inject_HexFormat_WritesLowercaseW3CHex()
    {
        var context = new PropagatedContext(ExpectedTrace, ExpectedSpan, TraceFlags.Sampled, "k=v", PropagationFormat.None);
        var headers = new TestHeaders();

        new LegacyFormat().Inject(context, headers, TestHeaders.Setter);

        Assert.Equal(Trace32, headers["X-Trace-ID"]);
        Assert.Equal(Span16, headers["X-Span-ID"]);
        Assert.Equal(2, headers.Names.Count);
    }

    [Fact]
    public void Inject_UuidFormat_WritesLowercaseUuids()
    {
        var context = new PropagatedContext(ExpectedTrace, ExpectedSpan, TraceFlags.Sampled, null, PropagationFormat.None);
        var headers = new TestHeaders();

        new LegacyFormat(LegacyIdFormat.Uuid, sampled: true).Inject(context, headers, TestHeaders.Setter);

        Assert.Equal("4bf92f35-77b3-4da6-a3ce-929d0e0e4736", headers["X-Trace-ID"]);
        Assert.Equal("00000000-0000-0000-00f0-67aa0ba902b7", headers["X-Span-ID"]);
    }

    [Fact]
    public void Inject_ExistingValues_AreReplacedNotAppended()
    {
        var headers = TestHeaders.Of(("X-Trace-ID", "old\u001Eolder"), ("X-Span-ID", "old"));
        var context = new PropagatedContext(ExpectedTrace, ExpectedSpan, TraceFlags.Sampled, null, PropagationFormat.None);

        new LegacyFormat().Inject(context, headers, TestHeaders.Setter);

        Assert.Equal([Trace32], headers.GetLines("X-Trace-ID"));
        Assert.Equal([Span16], headers.GetLines("X-Span-ID"));
    }

    [Fact]
    public void Inject_InvalidContext_WritesNothing()
    {
        var headers = new TestHeaders();

        new LegacyFormat().Inject(default, headers, TestHeaders.Setter);

        Assert.Empty(headers.Names);
    }

    [Fact]
    public void Inject_ContextWithoutSpanId_WritesOnlyTraceId()
    {
        var headers = new TestHeaders();
        var context = new PropagatedContext(ExpectedTrace, default, TraceFlags.Sampled, null, PropagationFormat.Legacy);

        new LegacyFormat().Inject(context, headers, TestHeaders.Setter);

        Assert.Equal(Trace32, headers["X-Trace-ID"]);
        Assert.Null(headers["X-Span-ID"]);
    }

    [Fact]
    public void Constructor_UndefinedIdFormat_Throws()
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => new LegacyFormat((LegacyIdFormat)7, sampled: true));

        Assert.Equal("idFormat", exception.ParamName);
    }

    [Fact]
    public void Fields_ListsThePair()
    {
        var format = new LegacyFormat();

        Assert.Equal(["X-Trace-ID", "X-Span-ID"], format.Fields);
        Assert.Equal(PropagationFormat.Legacy, format.Format);
    }

    [Theory]
    [InlineData(LegacyIdFormat.Hex)]
    [InlineData(LegacyIdFormat.Uuid)]
    public void InjectThenExtract_AnyIds_RoundTrip(LegacyIdFormat idFormat)
    {
        var format = new LegacyFormat(idFormat, sampled: true);
        var property = Prop.ForAll<ulong, ulong, ulong>((high, low, span) =>
        {
            var traceId = new TraceId(high, low == 0 && high == 0 ? 1 : low);
            var spanId = new SpanId(span == 0 ? 1 : span);
            var headers = new TestHeaders();

            format.Inject(new PropagatedContext(traceId, spanId, TraceFlags.Sampled, null, PropagationFormat.None), headers, TestHeaders.Setter);
            var issues = PropagationIssues.None;
            var ok = format.TryExtract(headers, TestHeaders.Getter, out var extracted, ref issues);

            return ok && extracted.TraceId == traceId && extracted.SpanId == spanId && issues == PropagationIssues.None;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), property);
    }

    [Theory]
    [InlineData(LegacyIdFormat.Hex)]
    [InlineData(LegacyIdFormat.Uuid)]
    public void ExtractThenInject_AnyAcceptedForm_ReadsTheIdsAndRoundTrips(LegacyIdFormat idFormat)
    {
        // Every accepted form: 32 hex digits, a UUID, 16 hex digits for a 64-bit trace id, in either case; the span id
        // as 16 hex digits or a UUID whose last 8 bytes are the id.
        var format = new LegacyFormat(idFormat, sampled: true);
        var property = Prop.ForAll<ulong, ulong, ulong>((high, low, span) =>
        {
            var choice = (int)((high ^ (low >> 3) ^ (span >> 7)) % 12);
            var traceId = new TraceId(choice % 3 == 2 ? 0 : high, low == 0 ? 1 : low);
            var spanId = new SpanId(span == 0 ? 1 : span);
            var traceHex = traceId.ToString();
            var traceText = (choice % 3) switch
            {
                0 => traceHex,
                1 => string.Concat(traceHex[..8], "-", traceHex[8..12], "-", traceHex[12..16], "-", traceHex[16..20], "-", traceHex[20..]),
                _ => traceHex[16..],
            };
            var spanText = choice % 2 == 0 ? spanId.ToString() : "00000000-0000-0000-" + spanId.ToString()[..4] + "-" + spanId.ToString()[4..];
            if (choice >= 6)
            {
                traceText = traceText.ToUpperInvariant();
                spanText = spanText.ToUpperInvariant();
            }

            var issues = PropagationIssues.None;
            var ok = format.TryExtract(TestHeaders.Of(("X-Trace-ID", traceText), ("X-Span-ID", spanText)), TestHeaders.Getter, out var extracted, ref issues);
            var reinjected = new TestHeaders();
            format.Inject(extracted, reinjected, TestHeaders.Setter);
            var againIssues = PropagationIssues.None;
            var again = format.TryExtract(reinjected, TestHeaders.Getter, out var extractedAgain, ref againIssues);

            return ok && issues == PropagationIssues.None && extracted.TraceId == traceId && extracted.SpanId == spanId
                && again && againIssues == PropagationIssues.None && extractedAgain == extracted;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), property);
    }

    [Fact]
    public void TryExtract_RandomStrings_NeverThrowsNorChangesCarrier()
    {
        var format = new LegacyFormat();
        var property = Prop.ForAll<string, string>((trace, span) =>
        {
            var headers = TestHeaders.Of(("X-Trace-ID", trace), ("X-Span-ID", span));
            var before = headers.Snapshot();
            var issues = PropagationIssues.None;

            var ok = format.TryExtract(headers, TestHeaders.Getter, out var context, ref issues);

            return headers.Matches(before) && ok == context.IsValid && (ok || issues != PropagationIssues.None || trace is null);
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }

    [Fact]
    public void TryExtract_RandomBytes_NeverThrowsNorChangesCarrier()
    {
        var format = new LegacyFormat();
        var property = Prop.ForAll<byte[], byte[]>((trace, span) =>
        {
            var headers = TestHeaders.Of(("X-Trace-ID", System.Text.Encoding.Latin1.GetString(trace ?? [])), ("X-Span-ID", System.Text.Encoding.Latin1.GetString(span ?? [])));
            var before = headers.Snapshot();
            var issues = PropagationIssues.None;

            var ok = format.TryExtract(headers, TestHeaders.Getter, out var context, ref issues);

            return headers.Matches(before) && ok == context.IsValid;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), property);
    }
}
