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
        HasRemoteParent = true,
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
    public void TraceBucket_AddsPastItsFirstArray_GrowsByDoublingAndKeepsEveryRecord()
    {
        // The store's bucket, directly: its array starts at the first record's size and doubles as spans arrive.
        var bucket = new TraceBucket(TraceIdOf(1), 0);
        var count = 0;
        var added = new List<StoredSpan>();
        var capacities = new List<int>();
        for (var i = 1; i <= 64; i++)
        {
            var span = FullSpan(1, i);
            var record = Encode(span);
            Assert.Equal(BucketAddResult.Added, bucket.TryAdd(record, maxSpans: 64, ref count));
            added.Add(span);
            if (capacities.Count == 0 || capacities[^1] != bucket.Capacity)
            {
                capacities.Add(bucket.Capacity);
            }
        }

        var read = bucket.Snapshot();

        Assert.True(capacities.Count >= 5, $"Capacities: {string.Join(", ", capacities)}");
        for (var i = 1; i < capacities.Count; i++)
        {
            Assert.Equal(capacities[i - 1] * 2, capacities[i]);
        }

        Assert.Equal(64, count);
        Assert.Equal(64, read.Length);
        for (var i = 0; i < read.Length; i++)
        {
            StoredSpanAssert.Equal(added[i], read[i]);
            Assert.Same(bucket.TraceId, read[i].TraceId);
        }

        Assert.Equal(64, bucket.MarkEvicted());
        Assert.Equal(0, bucket.Capacity);
        Assert.Equal(BucketAddResult.Evicted, bucket.TryAdd(Encode(FullSpan(1, 65)), maxSpans: 64, ref count));
        Assert.Empty(bucket.Snapshot());
    }

    private static byte[] Encode(StoredSpan span)
    {
        var record = new byte[SpanRecordCodec.Measure(span)];
        Assert.True(SpanRecordCodec.TryWrite(span, record, out var written));
        Assert.Equal(record.Length, written);
        return record;
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Search_WithOrWithoutAttributeFilter_ReturnsCompleteSpans(bool filterOnAttributes)
    {
        var store = NewStore();
        var spans = new[] { FullSpan(1, 1), FullSpan(1, 2), FullSpan(2, 3) };
        foreach (var span in spans)
        {
            store.Add(span);
        }

        var query = filterOnAttributes
            ? new SpanQuery { Attributes = new Dictionary<string, string> { ["ok"] = "false" } }
            : new SpanQuery { ServiceName = "ai" };

        var result = store.Search(query);

        var expected = filterOnAttributes ? new[] { spans[2], spans[0] } : [spans[2], spans[1], spans[0]];
        Assert.Equal(expected.Length, result.TotalCount);
        Assert.Equal(expected.Length, result.Spans.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            StoredSpanAssert.Equal(expected[i], result.Spans[i]);
        }
    }

    [Fact]
    public async Task Read_WhileTracesGrowAndAreEvicted_EverySpanReadIsIntact()
    {
        // Buckets hand their arrays back to the shared pool when they grow or are evicted; reads running meanwhile
        // must only ever see whole, correct spans. Writers run until the reader has made its passes.
        const int Writers = 2;
        const int ReadPasses = 40;
        var store = NewStore(o =>
        {
            o.MaxSpans = 200;
            o.MaxTraces = 20;
            o.MaxSpansPerTrace = 20;
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var next = 0;
        var writers = new Task[Writers];
        for (var w = 0; w < Writers; w++)
        {
            writers[w] = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    // 20 consecutive numbers per trace: exactly the per-trace cap, so nothing is dropped.
                    var n = Interlocked.Increment(ref next);
                    store.Add(FullSpan(n / 20, n));
                }
            });
        }

        var reads = 0;
        var passes = 0;
        while (passes < ReadPasses && !timeout.IsCancellationRequested)
        {
            var spans = store.GetSpans();
            if (spans.Count == 0)
            {
                // The writers have not started yet.
                continue;
            }

            passes++;
            foreach (var span in spans)
            {
                var n = (int)(long)span.GetAttribute("n")!;
                StoredSpanAssert.Equal(FullSpan(n / 20, n), span);
                reads++;
            }

            foreach (var span in store.Search(new SpanQuery { Limit = 50 }).Spans)
            {
                var n = (int)(long)span.GetAttribute("n")!;
                StoredSpanAssert.Equal(FullSpan(n / 20, n), span);
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.False(timeout.IsCancellationRequested);
        Assert.True(reads > 0);
        Assert.Equal(Volatile.Read(ref next), store.GetStatistics().AcceptedSpanCount);
        Assert.Equal(0, store.DroppedSpanCount);
    }

    [Fact]
    public void AddActivity_WithEventsAndLinks_ReadsBackTheConvertedSpan()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
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
    public void Add_AttributesWithoutKey_StoresTheSpanWithoutThem()
    {
        var store = NewStore();
        var span = new StoredSpan
        {
            TraceId = TraceIdOf(1),
            SpanId = SpanIdOf(1),
            ParentSpanId = SpanIdOf(7),
            HasRemoteParent = true,
            Name = "op",
            ServiceName = "svc",
            StartTime = Origin,
            Duration = TimeSpan.FromMilliseconds(5),
            Attributes = [new(null!, "span"), new("kept", 1L), default],
            Events = [new SpanEvent("e", Origin, [new("event.kept", true), new(null!, "event")])],
            Links = [new SpanLink(TraceIdOf(2), SpanIdOf(2), [new(null!, "link"), new("link.kind", "follows")])],
        };

        var added = store.Add(span);

        Assert.True(added);
        var stored = Assert.Single(store.GetTrace(TraceIdOf(1))!);
        Assert.Equal([new SpanTag("kept", 1L)], stored.Attributes);
        Assert.Equal([new SpanTag("event.kept", true)], Assert.Single(stored.Events).Attributes);
        Assert.Equal([new SpanTag("link.kind", "follows")], Assert.Single(stored.Links).Attributes);
        Assert.Equal(SpanIdOf(7), stored.ParentSpanId);
        Assert.True(stored.HasRemoteParent);
        Assert.Equal(3, span.Attributes.Count);
    }

    [Fact]
    public void Add_NullMembers_StoredWithEmptyNamesAndListsAndWithoutNullEntries()
    {
        var store = NewStore();
        var span = new StoredSpan
        {
            TraceId = TraceIdOf(1),
            SpanId = SpanIdOf(1),
            Name = null!,
            ServiceName = null!,
            SourceName = null!,
            StartTime = Origin,
            Duration = TimeSpan.FromMilliseconds(5),
            Attributes = null!,
            Events = [null!, new SpanEvent(null!, Origin, null!)],
            Links = [new SpanLink(null!, SpanIdOf(2), []), null!, new SpanLink(TraceIdOf(2), SpanIdOf(2), null!)],
        };

        Assert.True(store.Add(span));

        var stored = Assert.Single(store.GetTrace(TraceIdOf(1))!);
        Assert.Equal(string.Empty, stored.Name);
        Assert.Equal(string.Empty, stored.ServiceName);
        Assert.Equal(string.Empty, stored.SourceName);
        Assert.Empty(stored.Attributes);
        var e = Assert.Single(stored.Events);
        Assert.Equal(string.Empty, e.Name);
        Assert.Empty(e.Attributes);
        var link = Assert.Single(stored.Links);
        Assert.Equal(TraceIdOf(2), link.TraceId);
        Assert.Empty(link.Attributes);
    }

    [Fact]
    public void Add_SpanLargerThanFirstEncodingBuffer_StoredIntact()
    {
        var store = NewStore();
        var big = FullSpan(1, 1);
        big = new StoredSpan
        {
            TraceId = big.TraceId,
            SpanId = big.SpanId,
            Name = new string('n', 3_000),
            ServiceName = big.ServiceName,
            StartTime = big.StartTime,
            Duration = big.Duration,
            Attributes = [new("a", new string('a', 5_000)), new("wide", new string('\u00E9', 5_000))],
            Events = big.Events,
        };

        Assert.True(store.Add(big));

        StoredSpanAssert.Equal(big, Assert.Single(store.GetTrace(TraceIdOf(1))!));
    }

    [Fact]
    public void Add_ListsGrowWhileEncoding_ThrowsAndStoresNothing()
    {
        // Stands in for another thread appending to the span's attributes during Add: every pass over the list
        // finds it four times longer, so even the measured size is outgrown.
        var store = NewStore();
        var span = new StoredSpan
        {
            TraceId = TraceIdOf(1),
            SpanId = SpanIdOf(1),
            Name = "op",
            ServiceName = "svc",
            StartTime = Origin,
            Duration = TimeSpan.Zero,
            Attributes = new GrowingTags(),
        };

        var error = Assert.Throws<InvalidOperationException>(() => store.Add(span));

        Assert.Contains("changed while it was being stored", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, store.SpanCount);
        Assert.Null(store.GetTrace(TraceIdOf(1)));
    }

    private sealed class GrowingTags : IReadOnlyList<SpanTag>
    {
        private int _passes;

        public int Count => 1_000 << (2 * Math.Min(_passes, 4));

        public SpanTag this[int index]
        {
            get
            {
                if (index == 0)
                {
                    _passes++;
                }

                return new SpanTag("k", 1L);
            }
        }

        public IEnumerator<SpanTag> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
