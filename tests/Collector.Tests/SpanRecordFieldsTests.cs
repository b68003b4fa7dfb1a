using System.Diagnostics;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Propagation.Collector.Internal;

namespace Propagation.Collector.Tests;

/// <summary>
/// A search filters and sorts on records read in place (<see cref="SpanRecordCodec.View"/>); these hold that to
/// what the same query and order decide on the decoded span.
/// </summary>
public sealed class SpanRecordFieldsTests
{
    [Fact]
    public void View_RandomSpansAndQueries_MatchesExactlyLikeTheDecodedSpan()
    {
        var matched = 0;
        var rejected = 0;
        var cases =
            from span in SpanRecordCodecTests.RandomSpans.Span()
            from other in SpanRecordCodecTests.RandomSpans.Span()
            from high in Gen.Choose(int.MinValue, int.MaxValue)
            from low in Gen.Choose(int.MinValue, int.MaxValue)
            select (span, other, choices: ((long)high << 32) | (uint)low);

        var property = Prop.ForAll(Arb.From(cases), c =>
        {
            var record = Encode(c.span);
            var decoded = SpanRecordCodec.Read(record, c.span.TraceId);
            var matcher = new SpanMatcher(Query(c.span, c.other, c.choices));

            var expected = matcher.Matches(decoded);
            var actual = matcher.Matches(SpanRecordCodec.View(record, c.span.TraceId));

            Assert.Equal(expected, actual);
            _ = expected ? matched++ : rejected++;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2_000), property);
        Assert.True(matched > 50 && rejected > 50, $"both outcomes are exercised ({matched} matched, {rejected} rejected)");
    }

    [Fact]
    public void View_RandomSpans_OrdersExactlyLikeTheDecodedSpan()
    {
        var cases =
            from x in SpanRecordCodecTests.RandomSpans.Span()
            from y in SpanRecordCodecTests.RandomSpans.Span()
            from tie in Gen.Choose(0, 3)
            from field in Gen.Elements(SpanSortField.StartTime, SpanSortField.Duration)
            from direction in Gen.Elements(SortDirection.Ascending, SortDirection.Descending)
            select (x, y, tie, field, direction);

        var property = Prop.ForAll(Arb.From(cases), c =>
        {
            // Ties on the sort key (and then on the trace id) reach the span id comparison, which reads the
            // encoded span id: a prefix of the other, equal, or any other text.
            var y = new StoredSpan
            {
                TraceId = c.tie >= 2 ? c.x.TraceId : c.y.TraceId,
                SpanId = c.tie == 3 && c.x.SpanId.Length > 0 ? c.x.SpanId[..^1] : c.tie == 2 ? c.x.SpanId : c.y.SpanId,
                Name = c.y.Name,
                ServiceName = c.y.ServiceName,
                StartTime = c.tie >= 1 ? c.x.StartTime : c.y.StartTime,
                Duration = c.tie >= 1 ? c.x.Duration : c.y.Duration,
            };
            var record = Encode(c.x);
            var order = new SpanOrder(c.field, c.direction);

            var expected = Math.Sign(order.Compare(SpanRecordCodec.Read(record, c.x.TraceId), y));
            var actual = Math.Sign(order.Compare(SpanRecordCodec.View(record, c.x.TraceId), y));

            Assert.Equal(expected, actual);
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2_000), property);
    }

    [Theory]
    [InlineData("ab", "abc")]
    [InlineData("abc", "ab")]
    [InlineData("a\u00e9", "a\u00e8")]
    [InlineData("\ud800", "\uffff")]
    [InlineData("Z", "a")]
    [InlineData("", "")]
    public void View_SpanId_ComparesOrdinallyInEitherEncoding(string spanId, string other)
    {
        var span = Span(spanId, "name");
        var fields = SpanRecordCodec.View(Encode(span), span.TraceId);

        Assert.Equal(Math.Sign(string.CompareOrdinal(spanId, other)), Math.Sign(fields.CompareSpanId(other)));
    }

    [Theory]
    [InlineData("GET /api", "GET /api", true)]
    [InlineData("GET /api", "GET /ap", false)]
    [InlineData("caf\u00e9", "caf\u00e9", true)]
    [InlineData("cafe", "caf\u00e9", false)]
    [InlineData("caf\u00e9", "cafe", false)]
    [InlineData("", "", true)]
    public void View_Name_EqualsOnlyTheSameCodeUnits(string name, string query, bool equal)
    {
        var span = Span("b7ad6b7169203331", name);
        var fields = SpanRecordCodec.View(Encode(span), span.TraceId);

        Assert.Equal(equal, fields.NameEquals(query));
        Assert.Equal(name.StartsWith(query, StringComparison.Ordinal), fields.NameStartsWith(query));
    }

    private static StoredSpan Span(string spanId, string name) => new()
    {
        TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
        SpanId = spanId,
        Name = name,
        ServiceName = "svc",
        StartTime = DateTimeOffset.UnixEpoch,
        Duration = TimeSpan.FromMilliseconds(1),
    };

    /// <summary>A query whose filters each are unset, taken from the span (so it matches) or from another span.</summary>
    private static SpanQuery Query(StoredSpan span, StoredSpan other, long choices)
    {
        var field = 0;

        // 3 bits per filter: 0-3 unset, 4-6 from the span, 7 from the other span.
        StoredSpan? Source()
        {
            var choice = (choices >> (3 * field++)) & 7;
            return choice < 4 ? null : choice < 7 ? span : other;
        }

        var traceId = Source();
        var service = Source();
        var name = Source();
        var prefix = Source();
        var kind = Source();
        var status = Source();
        var error = Source();
        var minDuration = Source();
        var maxDuration = Source();
        var from = Source();
        var to = Source();
        var attribute = Source();
        return new SpanQuery
        {
            TraceId = traceId is null ? null : traceId == span ? span.TraceId : "another-trace",
            ServiceName = service?.ServiceName,
            OperationName = name?.Name,
            OperationNamePrefix = prefix?.Name[..(prefix.Name.Length / 2)],
            Kind = kind?.Kind,
            Status = status?.Status,
            IsError = error is null ? null : error == span ? span.IsError : !span.IsError,
            MinDuration = minDuration?.Duration,
            MaxDuration = maxDuration?.Duration,
            StartTimeFrom = from?.StartTime,
            StartTimeTo = to == span ? span.StartTime.AddTicks(1) : to?.StartTime,
            Attributes = attribute is null ? null : AttributeOf(attribute),
        };
    }

    /// <summary>One attribute of the span as a query asks for it (its value as text), or a key no span has.</summary>
    private static Dictionary<string, string> AttributeOf(StoredSpan span)
    {
        foreach (var tag in span.Attributes)
        {
            var text = tag.Value switch
            {
                string s => s,
                long l => l.ToString(CultureInfo.InvariantCulture),
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                bool b => b.ToString(),
                _ => null,
            };
            if (text is not null)
            {
                return new Dictionary<string, string>(StringComparer.Ordinal) { [tag.Key] = text };
            }
        }

        return new Dictionary<string, string>(StringComparer.Ordinal) { ["absent.key"] = "x" };
    }

    private static byte[] Encode(StoredSpan span)
    {
        var buffer = new byte[SpanRecordCodec.Measure(span)];
        Assert.True(SpanRecordCodec.TryWrite(span, buffer, out _));
        return buffer;
    }
}
