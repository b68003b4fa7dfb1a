using System.Diagnostics;
using Propagation.Collector;
using Propagation.Collector.Internal;
using static Propagation.Collector.Tests.TestSpans;

namespace Propagation.Collector.Tests;

public sealed partial class SpanStoreTests
{
    private static SpanStore NewSearchStore()
    {
        var store = NewStore();
        store.Add(Create(1, 1, name: "GET /orders", service: "backend", startMs: 0, durationMs: 120, kind: ActivityKind.Server,
            attributes: [new("http.request.method", "GET"), new("http.response.status_code", 200L)]));
        store.Add(Create(1, 2, parent: 1, name: "SELECT orders", service: "backend", startMs: 10, durationMs: 80, kind: ActivityKind.Client,
            attributes: [new("db.system", "postgresql"), new("db.rows", 3L)]));
        store.Add(Create(2, 3, name: "GET /users", service: "backend", startMs: 50, durationMs: 40, kind: ActivityKind.Server,
            status: ActivityStatusCode.Error, attributes: [new("http.request.method", "GET"), new("http.response.status_code", 500L)]));
        store.Add(Create(3, 4, name: "chat gpt", service: "ai", startMs: 100, durationMs: 2_500, kind: ActivityKind.Client,
            status: ActivityStatusCode.Ok, attributes: [new("gen_ai.system", "openai"), new("cached", false), new("score", 0.5)]));
        store.Add(Create(3, 5, parent: 4, name: "POST /v1/chat", service: "kernel", startMs: 110, durationMs: 2_000, kind: ActivityKind.Server));
        return store;
    }

    private static string[] Ids(SpanSearchResult result) => [.. result.Spans.Select(s => s.SpanId)];

    [Fact]
    public void Search_NoFilters_ReturnsAllNewestFirst()
    {
        var result = NewSearchStore().Search(new SpanQuery());

        Assert.Equal(5, result.TotalCount);
        Assert.Equal([SpanIdOf(5), SpanIdOf(4), SpanIdOf(3), SpanIdOf(2), SpanIdOf(1)], Ids(result));
        Assert.Null(result.NextOffset);
    }

    [Fact]
    public void Search_ByTraceId_ReturnsOnlyThatTrace()
    {
        var result = NewSearchStore().Search(new SpanQuery { TraceId = TraceIdOf(1) });

        Assert.Equal([SpanIdOf(2), SpanIdOf(1)], Ids(result));
    }

    [Fact]
    public void Search_ByService_MatchesExactly()
    {
        var result = NewSearchStore().Search(new SpanQuery { ServiceName = "ai" });

        Assert.Equal([SpanIdOf(4)], Ids(result));
    }

    [Fact]
    public void Search_ByOperationName_MatchesExactlyOnly()
    {
        var store = NewSearchStore();

        Assert.Equal([SpanIdOf(1)], Ids(store.Search(new SpanQuery { OperationName = "GET /orders" })));
        Assert.Empty(Ids(store.Search(new SpanQuery { OperationName = "GET /" })));
    }

    [Fact]
    public void Search_ByOperationPrefix_MatchesPrefix()
    {
        var result = NewSearchStore().Search(new SpanQuery { OperationNamePrefix = "GET /" });

        Assert.Equal([SpanIdOf(3), SpanIdOf(1)], Ids(result));
    }

    [Fact]
    public void Search_ByKind_MatchesKind()
    {
        var result = NewSearchStore().Search(new SpanQuery { Kind = ActivityKind.Client });

        Assert.Equal([SpanIdOf(4), SpanIdOf(2)], Ids(result));
    }

    [Fact]
    public void Search_ByStatus_MatchesStatus()
    {
        var store = NewSearchStore();

        Assert.Equal([SpanIdOf(4)], Ids(store.Search(new SpanQuery { Status = ActivityStatusCode.Ok })));
        Assert.Equal([SpanIdOf(3)], Ids(store.Search(new SpanQuery { IsError = true })));
        Assert.Equal(4, store.Search(new SpanQuery { IsError = false }).TotalCount);
    }

    [Fact]
    public void Search_ByDurationRange_IsInclusive()
    {
        var result = NewSearchStore().Search(new SpanQuery
        {
            MinDuration = TimeSpan.FromMilliseconds(80),
            MaxDuration = TimeSpan.FromMilliseconds(2_000),
        });

        Assert.Equal([SpanIdOf(5), SpanIdOf(2), SpanIdOf(1)], Ids(result));
    }

    [Fact]
    public void Search_ByTimeRange_FromInclusiveToExclusive()
    {
        var result = NewSearchStore().Search(new SpanQuery
        {
            StartTimeFrom = Origin.AddMilliseconds(10),
            StartTimeTo = Origin.AddMilliseconds(100),
        });

        Assert.Equal([SpanIdOf(3), SpanIdOf(2)], Ids(result));
    }

    [Theory]
    [InlineData("db.system", "postgresql", 2)]
    [InlineData("db.rows", "3", 2)]
    [InlineData("http.response.status_code", "500", 3)]
    [InlineData("cached", "False", 4)]
    [InlineData("score", "0.5", 4)]
    public void Search_ByAttribute_MatchesTypedValue(string key, string value, int expectedSpan)
    {
        var result = NewSearchStore().Search(new SpanQuery { Attributes = new Dictionary<string, string> { [key] = value } });

        Assert.Equal([SpanIdOf(expectedSpan)], Ids(result));
    }

    [Fact]
    public void Search_ByAttributeWrongValueOrMissingKey_MatchesNothing()
    {
        var store = NewSearchStore();

        Assert.Equal(0, store.Search(new SpanQuery { Attributes = new Dictionary<string, string> { ["db.rows"] = "4" } }).TotalCount);
        Assert.Equal(0, store.Search(new SpanQuery { Attributes = new Dictionary<string, string> { ["nope"] = "3" } }).TotalCount);
    }

    [Theory]
    [InlineData("9007199254740993", 1)] // 2^53 + 1: as a double it is 2^53, the other span's value
    [InlineData("9007199254740992", 2)]
    [InlineData("9223372036854775807", 3)] // long.MaxValue: as a double it is 2^63, the value of the double attribute
    public void Search_ByIntegerAttributeBeyondDoublePrecision_MatchesOnlyTheExactValue(string value, int expectedSpan)
    {
        // The filter's text was compared as a double too, so integers more than 2^53 apart by less than the double's
        // spacing (ids, nanosecond timestamps) matched each other.
        var store = NewStore();
        store.Add(Create(1, 1, attributes: [new("id", 9007199254740993L)]));
        store.Add(Create(1, 2, attributes: [new("id", 9007199254740992L)]));
        store.Add(Create(1, 3, attributes: [new("id", long.MaxValue)]));
        store.Add(Create(1, 4, attributes: [new("id", 9223372036854775808.0)]));

        var result = store.Search(new SpanQuery { Attributes = new Dictionary<string, string> { ["id"] = value } });

        Assert.Equal([SpanIdOf(expectedSpan)], Ids(result));
        var trace = Assert.Single(store.GetTraces());
        var matcher = new SpanMatcher(new SpanQuery { Attributes = new Dictionary<string, string> { ["id"] = value } });
        Assert.Equal([SpanIdOf(expectedSpan)], trace.Where(matcher.Matches).Select(s => s.SpanId));
    }

    [Fact]
    public void Search_SeveralFilters_AllMustMatch()
    {
        var result = NewSearchStore().Search(new SpanQuery
        {
            ServiceName = "backend",
            Kind = ActivityKind.Server,
            Attributes = new Dictionary<string, string> { ["http.request.method"] = "GET" },
            IsError = false,
        });

        Assert.Equal([SpanIdOf(1)], Ids(result));
    }

    [Fact]
    public void Search_SortByDurationAscending_ShortestFirst()
    {
        var result = NewSearchStore().Search(new SpanQuery { SortBy = SpanSortField.Duration, Direction = SortDirection.Ascending });

        Assert.Equal([SpanIdOf(3), SpanIdOf(2), SpanIdOf(1), SpanIdOf(5), SpanIdOf(4)], Ids(result));
    }

    [Fact]
    public void Search_SortByStartAscending_OldestFirst()
    {
        var result = NewSearchStore().Search(new SpanQuery { Direction = SortDirection.Ascending });

        Assert.Equal([SpanIdOf(1), SpanIdOf(2), SpanIdOf(3), SpanIdOf(4), SpanIdOf(5)], Ids(result));
    }

    [Fact]
    public void Search_Paginated_PagesDoNotOverlapAndReportNext()
    {
        var store = NewSearchStore();

        var first = store.Search(new SpanQuery { SortBy = SpanSortField.Duration, Limit = 2 });
        var second = store.Search(new SpanQuery { SortBy = SpanSortField.Duration, Limit = 2, Offset = first.NextOffset!.Value });
        var third = store.Search(new SpanQuery { SortBy = SpanSortField.Duration, Limit = 2, Offset = second.NextOffset!.Value });

        Assert.Equal([SpanIdOf(4), SpanIdOf(5)], Ids(first));
        Assert.Equal([SpanIdOf(1), SpanIdOf(2)], Ids(second));
        Assert.Equal([SpanIdOf(3)], Ids(third));
        Assert.Equal(2, first.NextOffset);
        Assert.Null(third.NextOffset);
        Assert.All([first, second, third], r => Assert.Equal(5, r.TotalCount));
    }

    [Fact]
    public void Search_OffsetPastEnd_ReturnsEmptyPage()
    {
        var result = NewSearchStore().Search(new SpanQuery { Offset = 10 });

        Assert.Empty(result.Spans);
        Assert.Equal(5, result.TotalCount);
        Assert.Null(result.NextOffset);
    }

    [Fact]
    public void Search_NextPageBeyondMaxOffset_NoNextOffset()
    {
        // A store bound above what paging reaches: the page at the largest offset is the last one served.
        const int Stored = SpanQuery.MaxOffset + SpanQuery.MaxLimit + 1;
        var store = NewStore(o => { o.MaxSpans = Stored; o.MaxSpansPerTrace = 1_000; });
        for (var i = 0; i < Stored; i++)
        {
            store.Add(Create(i / 1_000 + 1, i + 1, startMs: i));
        }

        var last = store.Search(new SpanQuery { Limit = SpanQuery.MaxLimit, Offset = SpanQuery.MaxOffset });

        Assert.Equal(Stored, last.TotalCount);
        Assert.Equal(SpanQuery.MaxLimit, last.Spans.Count);
        Assert.Null(last.NextOffset);
    }

    [Fact]
    public void Search_EqualSortKeys_TieBreakIsStable()
    {
        var store = NewStore();
        for (var i = 10; i >= 1; i--)
        {
            store.Add(Create(i, i, startMs: 0));
        }

        var first = store.Search(new SpanQuery { Limit = 5 });
        var second = store.Search(new SpanQuery { Limit = 5, Offset = 5 });

        Assert.Equal(Enumerable.Range(1, 10).Select(SpanIdOf), Ids(first).Concat(Ids(second)));
    }

    [Theory]
    [InlineData(SpanSortField.StartTime, SortDirection.Descending, 1)]
    [InlineData(SpanSortField.StartTime, SortDirection.Ascending, 2)]
    [InlineData(SpanSortField.Duration, SortDirection.Descending, 3)]
    public void Search_SpansWithEqualIdsAndSortKey_EachOnExactlyOnePageInStoredOrder(SpanSortField sortBy, SortDirection direction, int limit)
    {
        // Five records with the same trace id, span id, start and duration (possible through Add(StoredSpan)), with a
        // different span on either side of them in the order.
        var store = NewStore();
        store.Add(Create(1, 2, name: "before", startMs: direction == SortDirection.Ascending ? -1 : 1, durationMs: direction == SortDirection.Ascending ? 9 : 11));
        for (var i = 0; i < 5; i++)
        {
            store.Add(Create(1, 1, name: "copy" + i));
        }

        store.Add(Create(1, 3, name: "after", startMs: direction == SortDirection.Ascending ? 1 : -1, durationMs: direction == SortDirection.Ascending ? 11 : 9));

        var names = new List<string>();
        for (var offset = 0; offset < 7; offset += limit)
        {
            var page = store.Search(new SpanQuery { SortBy = sortBy, Direction = direction, Limit = limit, Offset = offset });
            Assert.Equal(7, page.TotalCount);
            names.AddRange(page.Spans.Select(s => s.Name));
        }

        Assert.Equal(["before", "copy0", "copy1", "copy2", "copy3", "copy4", "after"], names);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(SpanQuery.MaxLimit + 1, 0)]
    [InlineData(10, -1)]
    [InlineData(10, SpanQuery.MaxOffset + 1)]
    public void Search_LimitOrOffsetOutOfRange_Throws(int limit, int offset)
    {
        var store = NewSearchStore();

        Assert.Throws<ArgumentOutOfRangeException>(() => store.Search(new SpanQuery { Limit = limit, Offset = offset }));
    }
}
