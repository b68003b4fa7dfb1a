using System.Diagnostics;
using Propagation.Collector;
using Propagation.Collector.Internal;
using static Propagation.Collector.Tests.TestSpans;

namespace Propagation.Collector.Tests;

// The store keeps spans as encoded records and decodes them on every read.
public sealed partial class SpanStoreTests
{
    private static StoredSpan FullSpan(int trace, int span) => new()
    {
        TraceId = TraceIdOf(trace),
        SpanId = SpanIdOf(span),
        ParentSpanId = SpanIdOf(span + 1_000),
        Name = "POST /chat/" + span,
        Kind = ActivityKind.Client,
        ServiceName = "ai",
        SourceName = "Tests.Records",
        StartTime = new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.FromHours(-7)).AddTicks(span),
        Duration = TimeSpan.FromTicks(10_000 + span),
        Status = ActivityStatusCode.Error,
        StatusDescription = "timeout ⏱",
        Attributes = [new("n", (long)span), new("ratio", span / 3.0), new("ok", span % 2 == 0), new("text", "värde \uD800")],
        Events = [new SpanEvent("exception", new DateTimeOffset(2026, 5, 6, 7, 8, 10, TimeSpan.FromHours(9)), [new("exception.type", "E")])],
        Links = [new SpanLink(TraceIdOf(trace + 1), SpanIdOf(span + 2), [new("link", 1L)])],
    };

    [Fact]
    public void GetTrace_SpanWithEveryField_ReturnsEqualContent()
    {
        var store = NewStore();
        var span = FullSpan(1, 1);
        store.Add(span);

        var read = Assert.Single(store.GetTrace(TraceIdOf(1))!);

        StoredSpanAssert.Equal(span, read);
    }

    [Fact]
    public void GetTrace_CalledTwice_ReturnsNewSnapshotsOfEqualContentSharingTheTraceId()
    {
        var store = NewStore();
        var added = FullSpan(1, 1);
        store.Add(added);
        store.Add(FullSpan(1, 2));

        var first = store.GetTrace(TraceIdOf(1))!;
        var second = store.GetTrace(TraceIdOf(1))!;

        Assert.NotSame(added, first[0]);
        Assert.NotSame(first[0], second[0]);
        StoredSpanAssert.Equal(first[0], second[0]);
        StoredSpanAssert.Equal(first[1], second[1]);
        Assert.Same(first[0].TraceId, first[1].TraceId);
    }

    [Fact]
    public void Add_TraceFarLargerThanInitialBuffer_KeepsEverySpanIntact()
    {
        const int Spans = 300;
        var store = NewStore(o => o.MaxSpansPerTrace = Spans);
        var added = new StoredSpan[Spans];
        long recordBytes = 0;
        for (var i = 0; i < Spans; i++)
        {
            added[i] = FullSpan(1, i + 1);
            recordBytes += SpanRecordCodec.Measure(added[i]);
            Assert.True(store.Add(added[i]));
        }

        var read = store.GetTrace(TraceIdOf(1))!;

        // Many doublings of the bucket's array: far more bytes than its first allocation.
        Assert.True(recordBytes > 100 * 512, $"Only {recordBytes} bytes of records.");
        Assert.Equal(Spans, read.Count);
        for (var i = 0; i < Spans; i++)
        {
            StoredSpanAssert.Equal(added[i], read[i]);
        }
    }

    [Fact]
    public async Task Add_ParallelToOneTrace_LosesNothing()
    {
        const int Workers = 4;
        const int PerWorker = 250;
        var store = NewStore(o => o.MaxSpansPerTrace = Workers * PerWorker);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var options = new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = timeout.Token };

        await Parallel.ForAsync(0, Workers, options, (worker, token) =>
        {
            for (var i = 0; i < PerWorker && !token.IsCancellationRequested; i++)
            {
                store.Add(FullSpan(1, (worker * PerWorker) + i + 1));
            }

            return ValueTask.CompletedTask;
        });

        var read = store.Search(new SpanQuery { TraceId = TraceIdOf(1), Limit = SpanQuery.MaxLimit }).Spans;
        Assert.Equal(Workers * PerWorker, store.SpanCount);
        Assert.Equal(Workers * PerWorker, read.Count);
        var seen = new HashSet<long>();
        foreach (var span in read)
        {
            var n = (long)span.GetAttribute("n")!;
            Assert.True(seen.Add(n));
            StoredSpanAssert.Equal(FullSpan(1, (int)n), span);
        }
    }

    [Fact]
    public void AddActivity_WithEventsAndLinks_ReadsBackTheConvertedSpan()
    {
        using var source = new TestActivitySource();
        var store = NewStore();
        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        using var activity = source.Source.StartActivity(
            "GET /orders",
            ActivityKind.Server,
            parentContext: default,
            tags: [new("http.response.status_code", 200), new("http.request.header.authorization", "Bearer secret")],
            links: [new ActivityLink(linked, new ActivityTagsCollection { ["link.attr"] = 1.5f })])!;
        activity.AddEvent(new ActivityEvent("cache miss", tags: new ActivityTagsCollection { ["key"] = "orders:1" }));
        activity.SetStatus(ActivityStatusCode.Error, "failed");
        activity.Stop();

        store.Add(activity, "backend");

        var read = Assert.Single(store.GetTrace(activity.TraceId.ToHexString())!);
        StoredSpanAssert.Equal(StoredSpan.FromActivity(activity, "backend"), read);
        Assert.Equal(SpanTag.RedactedValue, read.GetAttribute("http.request.header.authorization"));
    }

    [Fact]
    public void TryAdd_RecordOutgrowsItsMeasure_ThrowsAndCommitsNothing()
    {
        // What happens if a caller grows a span's lists between the store measuring and writing it.
        var bucket = new TraceBucket(TraceIdOf(1), Origin);
        var count = 0;
        var first = FullSpan(1, 1);
        Assert.Equal(BucketAddResult.Added, bucket.TryAdd(first, (int)SpanRecordCodec.Measure(first), 10, ref count));
        var second = FullSpan(1, 2);

        var error = Assert.Throws<InvalidOperationException>(
            () => bucket.TryAdd(second, (int)SpanRecordCodec.Measure(second) - 1, 10, ref count));

        Assert.Contains("changed while it was being stored", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, count);
        Assert.Equal(1, bucket.Count);
        StoredSpanAssert.Equal(first, Assert.Single(bucket.Snapshot()));
    }
}
