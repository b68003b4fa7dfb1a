namespace Propagation.Tests.W3C;

/// <summary>
/// One malformed-input theory across the three W3C headers (<c>traceparent</c>, <c>tracestate</c>, <c>baggage</c>):
/// every row names why the input is wrong and the exact issues it must report.
/// </summary>
public sealed class W3CMalformedInputTests
{
    private const string Valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string SpanId = "00f067aa0ba902b7";

    private const PropagationIssues TpInvalid = PropagationIssues.TraceParentInvalid;
    private const PropagationIssues TpTooLong = PropagationIssues.TraceParentInvalid | PropagationIssues.HeaderTooLong;
    private const PropagationIssues TpDuplicated = PropagationIssues.TraceParentInvalid | PropagationIssues.TraceParentDuplicated;
    private const PropagationIssues TsInvalid = PropagationIssues.TraceStateInvalid;
    private const PropagationIssues TsTooLong = PropagationIssues.TraceStateInvalid | PropagationIssues.HeaderTooLong;
    private const PropagationIssues BgInvalid = PropagationIssues.BaggageInvalid;
    private const PropagationIssues BgTruncated = PropagationIssues.BaggageTruncated;

    public static TheoryData<string, string[], PropagationIssues, string> Rows { get; } = BuildRows();

    [Theory]
    [MemberData(nameof(Rows))]
    public void TryExtract_MalformedHeader_IsRejectedAndReported(string header, string[] lines, PropagationIssues expected, string reason)
    {
        switch (header)
        {
            case "traceparent":
                AssertTraceParentRejected(lines, expected, reason);
                break;
            case "tracestate":
                AssertTraceStateRejected(lines, expected, reason);
                break;
            default:
                AssertBaggageMemberRejected(lines, expected, reason);
                break;
        }
    }

    [Fact]
    public void Rows_AreAtLeast100WithAReasonEach()
    {
        Assert.True(Rows.Count >= 100, $"only {Rows.Count} rows");
        Assert.All(Rows, row => Assert.False(string.IsNullOrWhiteSpace((string)row[3])));
    }

    private static void AssertTraceParentRejected(string[] lines, PropagationIssues expected, string reason)
    {
        // Arrange: a valid tracestate is present too; it must not be read.
        var issues = PropagationIssues.None;
        var carrier = new Carrier(lines, ["rojo=1"], []);
        var before = carrier.Snapshot();

        // Act
        var ok = TraceContextFormat.Instance.TryExtract(carrier, Carrier.Getter, out var context, ref issues);

        // Assert
        Assert.False(ok, reason);
        Assert.False(context.IsValid, reason);
        Assert.Null(context.TraceState);
        Assert.Equal(expected, issues);
        Assert.Equal(before, carrier.Snapshot());
    }

    private static void AssertTraceStateRejected(string[] lines, PropagationIssues expected, string reason)
    {
        var issues = PropagationIssues.None;
        var carrier = new Carrier([Valid], lines, []);

        var ok = TraceContextFormat.Instance.TryExtract(carrier, Carrier.Getter, out var context, ref issues);

        // The traceparent is still used; the tracestate is discarded.
        Assert.True(ok, reason);
        Assert.Equal(TraceId, context.TraceId.ToString());
        Assert.Null(context.TraceState);
        Assert.Equal(expected, issues);
    }

    private static void AssertBaggageMemberRejected(string[] lines, PropagationIssues expected, string reason)
    {
        // Arrange: a valid member on its own line comes first and must survive.
        var issues = PropagationIssues.None;
        var carrier = new Carrier([], [], ["ok=1", .. lines]);

        // Act
        BaggageFormat.Instance.TryExtract(carrier, Carrier.Getter, out var baggage, ref issues);

        // Assert
        Assert.Equal(expected, issues);
        Assert.Equal("ok", baggage[0].Key);
        if (expected == BgInvalid)
        {
            Assert.True(baggage.Count == 1, reason);
        }
    }

    private static TheoryData<string, string[], PropagationIssues, string> BuildRows()
    {
        var rows = new TheoryData<string, string[], PropagationIssues, string>();
        void Tp(string value, PropagationIssues expected, string reason) => rows.Add("traceparent", [value], expected, reason);
        void Ts(string value, PropagationIssues expected, string reason) => rows.Add("tracestate", [value], expected, reason);
        void Bg(string value, PropagationIssues expected, string reason) => rows.Add("baggage", [value], expected, reason);

        // traceparent: lengths
        Tp(string.Empty, TpInvalid, "empty value");
        Tp(" ", TpInvalid, "whitespace only");
        Tp("\t\t", TpInvalid, "tabs only");
        Tp(Valid[..54], TpInvalid, "version 00 one character short");
        Tp(Valid + "0", TpInvalid, "version 00 one character long");
        Tp(Valid[1..], TpInvalid, "first character missing");
        Tp("0" + Valid, TpInvalid, "extra leading character shifts every field");
        Tp($"00-{TraceId[..31]}-{SpanId}-01", TpInvalid, "trace id of 31 digits");
        Tp($"00-{TraceId}0-{SpanId}-01", TpInvalid, "trace id of 33 digits");
        Tp($"00-{TraceId}-{SpanId[..15]}-01", TpInvalid, "parent id of 15 digits");
        Tp($"00-{TraceId}-{SpanId}0-01", TpInvalid, "parent id of 17 digits");
        Tp($"00-{TraceId}-{SpanId}-1", TpInvalid, "flags of 1 digit");
        Tp($"00-{TraceId}-{SpanId}-011", TpInvalid, "flags of 3 digits");
        Tp($"0-{TraceId}-{SpanId}-01", TpInvalid, "version of 1 digit");
        Tp($"000-{TraceId}-{SpanId}-01", TpInvalid, "version of 3 digits");
        Tp(new string('a', 10_000), TpTooLong, "huge value (10000 characters)");
        Tp("cc" + Valid[2..] + "-" + new string('a', 458), TpTooLong, "future version over the 512-character bound");
        Tp(Valid + new string(' ', 600), TpTooLong, "valid value padded over the bound with whitespace");

        // traceparent: case and digits
        Tp($"00-{TraceId.ToUpperInvariant()}-{SpanId}-01", TpInvalid, "uppercase trace id");
        Tp($"00-{TraceId}-{SpanId.ToUpperInvariant()}-01", TpInvalid, "uppercase parent id");
        Tp($"00-{TraceId}-{SpanId}-0A", TpInvalid, "uppercase flags");
        Tp($"0A-{TraceId}-{SpanId}-01", TpInvalid, "uppercase version");
        Tp($"00-4bf92f3577b34da6a3ce929d0e0e473G-{SpanId}-01", TpInvalid, "one uppercase non-hex letter in trace id");
        Tp($"00-4bf92f3577b34da6a3ce929d0e0e473g-{SpanId}-01", TpInvalid, "non-hex letter g in trace id");
        Tp($"00-{TraceId}-00f067aa0ba902bz-01", TpInvalid, "non-hex letter z in parent id");
        Tp($"00-{TraceId}-{SpanId}-0g", TpInvalid, "non-hex flags");
        Tp($"0g-{TraceId}-{SpanId}-01", TpInvalid, "non-hex version");
        Tp($"00-0x{TraceId[2..]}-{SpanId}-01", TpInvalid, "0x prefix inside trace id");
        Tp($"00-{TraceId[..31]}+-{SpanId}-01", TpInvalid, "plus sign in trace id");

        // traceparent: versions
        Tp($"ff-{TraceId}-{SpanId}-01", TpInvalid, "version ff is forbidden");
        Tp($"FF-{TraceId}-{SpanId}-01", TpInvalid, "version FF (uppercase and forbidden)");
        Tp($"cc-{TraceId}-{SpanId}-01x", TpInvalid, "future version continued without a dash");
        Tp($"cc-{TraceId}-{SpanId}-01.extra", TpInvalid, "future version continued with a dot");
        Tp($"00-{TraceId}-{SpanId}-01-", TpInvalid, "version 00 with a trailing dash");
        Tp($"00-{TraceId}-{SpanId}-01-extra", TpInvalid, "version 00 with extra fields");

        // traceparent: zeros
        Tp($"00-00000000000000000000000000000000-{SpanId}-01", TpInvalid, "all-zero trace id");
        Tp($"00-{TraceId}-0000000000000000-01", TpInvalid, "all-zero parent id");
        Tp("00-00000000000000000000000000000000-0000000000000000-00", TpInvalid, "all-zero trace id and parent id");

        // traceparent: delimiters
        Tp($"00_{TraceId}-{SpanId}-01", TpInvalid, "underscore after version");
        Tp($"00-{TraceId}.{SpanId}-01", TpInvalid, "dot after trace id");
        Tp($"00-{TraceId}-{SpanId} 01", TpInvalid, "space before flags");
        Tp($"00{TraceId}{SpanId}01---", TpInvalid, "delimiters moved to the end");
        Tp($"00 - {TraceId} - {SpanId} - 01", TpInvalid, "whitespace around delimiters");
        Tp($"00\u2010{TraceId}\u2010{SpanId}\u201001", TpInvalid, "unicode hyphens as delimiters");
        Tp(new string('-', 55), TpInvalid, "only dashes");
        Tp($"\"{Valid}\"", TpInvalid, "quoted value");
        Tp($"traceparent: {Valid}", TpInvalid, "header name inside the value");
        Tp($"{Valid},{Valid}", TpInvalid, "two values folded into one line with a comma");

        // traceparent: control characters and unicode
        Tp($"00-{TraceId}-{SpanId}-0\r", TpInvalid, "CR in flags");
        Tp(Valid + "\n", TpInvalid, "trailing LF (not optional whitespace)");
        Tp(Valid + "\r\n", TpInvalid, "trailing CRLF");
        Tp("\r\n" + Valid, TpInvalid, "leading CRLF");
        Tp($"00-{TraceId[..16]}\0{TraceId[17..]}-{SpanId}-01", TpInvalid, "NUL inside trace id");
        Tp(Valid[..54] + "\0", TpInvalid, "NUL as last character");
        Tp($"00-{TraceId[..16]}\u0001{TraceId[17..]}-{SpanId}-01", TpInvalid, "control character U+0001 in trace id");
        Tp($"00-{TraceId}-{SpanId[..15]}\u007f-01", TpInvalid, "DEL in parent id");
        Tp($"00-\uff14bf92f3577b34da6a3ce929d0e0e4736"[..35] + $"-{SpanId}-01", TpInvalid, "fullwidth digit in trace id");
        Tp($"00-{TraceId}-00f067aa0ba902b\u00e9-01", TpInvalid, "e acute in parent id");
        Tp($"00-{TraceId[..31]}\u0664-{SpanId}-01", TpInvalid, "Arabic-Indic digit in trace id");
        Tp($"\u0660\u0660-{TraceId}-{SpanId}-01", TpInvalid, "Arabic-Indic digits as version");
        Tp($"00-{TraceId[..30]}\U0001F600-{SpanId}-01", TpInvalid, "emoji (surrogate pair) in trace id");
        Tp($"00-{TraceId[..31]}\ud800-{SpanId}-01", TpInvalid, "lone surrogate in trace id");
        Tp("\u00a0" + Valid, TpInvalid, "no-break space is not optional whitespace");

        // traceparent: several lines
        rows.Add("traceparent", [Valid, Valid], TpDuplicated, "two identical traceparent lines");
        rows.Add("traceparent", [Valid, $"00-{TraceId}-1111111111111111-01"], TpDuplicated, "two different traceparent lines");
        rows.Add("traceparent", [Valid, Valid, Valid], TpDuplicated, "three traceparent lines");
        rows.Add("traceparent", [Valid, string.Empty], TpDuplicated, "a second, empty traceparent line");

        // tracestate: keys
        Ts("Rojo=00f067aa0ba902b7", TsInvalid, "uppercase key");
        Ts("0abc=1", TsInvalid, "simple key starting with a digit");
        Ts("_abc=1", TsInvalid, "key starting with underscore");
        Ts("*abc=1", TsInvalid, "key starting with star");
        Ts("-abc=1", TsInvalid, "key starting with dash");
        Ts("a.b=1", TsInvalid, "dot in key");
        Ts("a b=1", TsInvalid, "space inside key");
        Ts("rojo =1", TsInvalid, "space before equals");
        Ts("\"rojo\"=1", TsInvalid, "quoted key");
        Ts("=1", TsInvalid, "empty key");
        Ts("rojo", TsInvalid, "member without equals");
        Ts("a" + new string('b', 256) + "=1", TsInvalid, "key of 257 characters");
        Ts("@dt=1", TsInvalid, "multi-tenant key with empty tenant");
        Ts("t@=1", TsInvalid, "multi-tenant key with empty system");
        Ts("t@0dt=1", TsInvalid, "system id starting with a digit");
        Ts("t@abcdefghijklmno=1", TsInvalid, "system id of 15 characters");
        Ts(new string('t', 242) + "@dt=1", TsInvalid, "tenant id of 242 characters");
        Ts("t@s@x=1", TsInvalid, "two @ in key");
        Ts("roj\u00e9=1", TsInvalid, "non-ASCII key");
        Ts("\U0001F600=1", TsInvalid, "emoji key");

        // tracestate: values
        Ts("rojo=", TsInvalid, "empty value");
        Ts("rojo=1=2", TsInvalid, "equals in value");
        Ts("rojo=1;congo=2", TsInvalid, "semicolon-joined members put an equals in the value");
        Ts("rojo=" + new string('v', 257), TsInvalid, "value of 257 characters");
        Ts("rojo=\u0001", TsInvalid, "control character in value");
        Ts("rojo=a\tb", TsInvalid, "tab inside value");
        Ts("rojo=a\r\nb", TsInvalid, "CRLF inside value");
        Ts("rojo=\0", TsInvalid, "NUL value");
        Ts("rojo=\u007f", TsInvalid, "DEL in value");
        Ts("rojo=caf\u00e9", TsInvalid, "non-ASCII value");
        Ts("rojo=\uff11", TsInvalid, "fullwidth digit value");

        // tracestate: lists
        Ts("rojo=1,rojo=2", TsInvalid, "duplicate key");
        Ts("rojo=1,congo", TsInvalid, "one valid and one invalid member");
        Ts("rojo=1,\0=1", TsInvalid, "NUL key after a valid member");
        Ts("a=" + new string('b', 9000), TsTooLong, "huge value (9000 characters)");
        rows.Add("tracestate", ["rojo=1", "rojo=2"], TsInvalid, "duplicate key across two lines");
        rows.Add("tracestate", ["rojo=1", "Congo=2"], TsInvalid, "invalid member on the second line");
        rows.Add("tracestate", [.. Enumerable.Range(0, 90).Select(i => $"k{i}=" + new string('v', 100))], TsTooLong, "90 lines together over the 8192-character bound");

        // baggage: keys
        Bg("novalue", BgInvalid, "member without equals");
        Bg("=1", BgInvalid, "empty key");
        Bg("bad key=1", BgInvalid, "space inside key");
        Bg("k(=1", BgInvalid, "separator character in key");
        Bg("\"k\"=1", BgInvalid, "quoted key");
        Bg("k:1", BgInvalid, "colon instead of equals");
        Bg("caf\u00e9=1", BgInvalid, "non-ASCII key");
        Bg("\U0001F600=1", BgInvalid, "emoji key");
        Bg("k\0=1", BgInvalid, "NUL in key");

        // baggage: values
        Bg("k=a b", BgInvalid, "space inside value");
        Bg("k=a\"b", BgInvalid, "double quote in value");
        Bg("k=a\\b", BgInvalid, "backslash in value");
        Bg("k=a\tb", BgInvalid, "tab inside value");
        Bg("k=%", BgInvalid, "percent without digits");
        Bg("k=%4", BgInvalid, "percent with one digit");
        Bg("k=%zz", BgInvalid, "percent with non-hex digits");
        Bg("k=%g0", BgInvalid, "percent with a non-hex first digit");
        Bg("k=caf\u00e9", BgInvalid, "raw non-ASCII value");
        Bg("k=\u0001", BgInvalid, "control character in value");
        Bg("k=a\r\nb", BgInvalid, "CRLF inside value");
        Bg("k=\0", BgInvalid, "NUL value");
        Bg("k=\uff11", BgInvalid, "fullwidth digit value");
        Bg("k=\u007f", BgInvalid, "DEL in value");

        // baggage: properties
        Bg("k=1;bad prop", BgInvalid, "space inside property key");
        Bg("k=1;=v", BgInvalid, "property with empty key");
        Bg("k=1;p=a b", BgInvalid, "space inside property value");
        Bg("k=1;;", BgInvalid, "empty properties");
        Bg("k=1;p=\u00e9", BgInvalid, "non-ASCII property value");

        // baggage: limits
        Bg("k=" + new string('x', 9000), BgTruncated, "single member over 8192 bytes");
        Bg(string.Join(',', Enumerable.Range(0, 70).Select(i => $"k{i}=v")), BgTruncated, "70 members, over the 64-member limit");
        Bg(string.Join(',', Enumerable.Repeat("bad key=1", 5000)), BgInvalid | BgTruncated | PropagationIssues.HeaderTooLong, "huge input of invalid members stops at the input bound");
        rows.Add("baggage", ["a=" + new string('x', 5000), "b=" + new string('y', 5000)], BgTruncated, "two lines over the shared 8192-byte budget");
        return rows;
    }

    /// <summary>A carrier with every header on its own lines; it records nothing and cannot be changed.</summary>
    private sealed class Carrier(string[] traceParent, string[] traceState, string[] baggage)
    {
        public static HeaderGetter<Carrier> Getter { get; } = static (carrier, name) => name switch
        {
            "traceparent" => Lines(carrier._traceParent),
            "tracestate" => Lines(carrier._traceState),
            "baggage" => Lines(carrier._baggage),
            _ => default,
        };

        private readonly string[] _traceParent = traceParent;
        private readonly string[] _traceState = traceState;
        private readonly string[] _baggage = baggage;

        public string Snapshot() => string.Join("\u0000|", [.. _traceParent, .. _traceState, .. _baggage]);

        private static HeaderValues Lines(string[] lines) => lines.Length switch
        {
            0 => default,
            1 => new HeaderValues(lines[0]),
            _ => new HeaderValues((string?[])lines.Clone()),
        };
    }
}
