using System.Collections.Concurrent;
using System.Diagnostics;
using Propagation.Collector;
using static Propagation.Collector.Tests.TestSpans;

namespace Propagation.Collector.Tests;

public sealed partial class SpanStoreTests
{
    [Fact]
    public void Add_NewSpans_CountsSpansAndTraces()
    {
        var store = NewStore();

        store.Add(Create(1, 1));
        store.Add(Create(1, 2, parent: 1));
        store.Add(Create(2, 3));

        Assert.Equal(3, store.SpanCount);
        Assert.Equal(2, store.TraceCount);
        Assert.Equal(3, store.GetStatistics().AcceptedSpanCount);
    }

    [Fact]
    public void Add_OverMaxSpans_EvictsOldestTraceFirst()
    {
        var store = NewStore(o =>
        {
            o.MaxSpans = 4;
            o.MaxSpansPerTrace = 2;
        });

        store.Add(Create(1, 1));
        store.Add(Create(1, 2));
        store.Add(Create(2, 3));
        store.Add(Create(2, 4));
        store.Add(Create(3, 5));

        Assert.Null(store.GetTrace(TraceIdOf(1)));
        Assert.NotNull(store.GetTrace(TraceIdOf(2)));
        Assert.NotNull(store.GetTrace(TraceIdOf(3)));
        Assert.Equal(3, store.SpanCount);
        Assert.Equal(2, store.EvictedSpanCount);
        Assert.Equal(1, store.GetStatistics().EvictedTraceCount);
    }

    [Fact]
    public void Add_OverMaxTraces_EvictsOldestTrace()
    {
        var store = NewStore(o => o.MaxTraces = 2);

        store.Add(Create(1, 1));
        store.Add(Create(2, 2));
        store.Add(Create(1, 3));
        store.Add(Create(3, 4));

        Assert.Equal(2, store.TraceCount);
        Assert.Null(store.GetTrace(TraceIdOf(1)));
        Assert.Equal(2, store.EvictedSpanCount);
        Assert.NotNull(store.GetTrace(TraceIdOf(2)));
        Assert.NotNull(store.GetTrace(TraceIdOf(3)));
    }

    [Fact]
    public void GetTrace_OlderThanMaxAge_IsEvicted()
    {
        var time = new ManualTimeProvider();
        var store = NewStore(o => o.MaxAge = TimeSpan.FromMinutes(10), time);
        store.Add(Create(1, 1));
        time.Advance(TimeSpan.FromMinutes(6));
        store.Add(Create(2, 2));

        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Null(store.GetTrace(TraceIdOf(1)));
        Assert.NotNull(store.GetTrace(TraceIdOf(2)));
        Assert.Equal(1, store.SpanCount);
        Assert.Equal(1, store.EvictedSpanCount);
    }

    [Theory]
    [InlineData(-120)] // the wall clock is set back two hours: the trace stored first blocked every later one
    [InlineData(120)] // set forward two hours: every trace, however young, was evicted
    public void GetTrace_WallClockSetBackOrForward_AgeIsTheTimeElapsed(int stepMinutes)
    {
        var time = new ManualTimeProvider();
        var store = NewStore(o => o.MaxAge = TimeSpan.FromMinutes(10), time);
        store.Add(Create(1, 1));
        time.Advance(TimeSpan.FromMinutes(6));
        time.SetWallClock(TimeSpan.FromMinutes(stepMinutes));
        store.Add(Create(2, 2));
        Assert.NotNull(store.GetTrace(TraceIdOf(1)));
        Assert.NotNull(store.GetTrace(TraceIdOf(2)));

        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Null(store.GetTrace(TraceIdOf(1)));
        Assert.NotNull(store.GetTrace(TraceIdOf(2)));
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Null(store.GetTrace(TraceIdOf(2)));
        Assert.Equal(0, store.SpanCount);
    }

    [Fact]
    public void GetStatistics_ExactlyMaxAge_KeepsTrace()
    {
        var time = new ManualTimeProvider();
        var store = NewStore(o => o.MaxAge = TimeSpan.FromMinutes(10), time);
        store.Add(Create(1, 1));

        time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(1, store.GetStatistics().SpanCount);
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(0, store.GetStatistics().SpanCount);
    }

    [Fact]
    public void Add_OverPerTraceCap_DropsAndCounts()
    {
        var store = NewStore(o => o.MaxSpansPerTrace = 3);

        var results = new bool[5];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = store.Add(Create(1, i + 1));
        }

        Assert.Equal([true, true, true, false, false], results);
        Assert.Equal(3, store.GetTrace(TraceIdOf(1))!.Count);
        Assert.Equal(2, store.DroppedSpanCount);
        Assert.Equal(0, store.EvictedSpanCount);
    }

    [Fact]
    public void Add_EmptyIds_DropsAndCounts()
    {
        var store = NewStore();
        var span = Create(1, 1);

        var stored = store.Add(new StoredSpan
        {
            TraceId = string.Empty,
            SpanId = span.SpanId,
            Name = span.Name,
            ServiceName = span.ServiceName,
            StartTime = span.StartTime,
            Duration = span.Duration,
        });

        Assert.False(stored);
        Assert.Equal(1, store.DroppedSpanCount);
        Assert.Equal(0, store.SpanCount);
    }

    [Fact]
    public async Task Add_ConcurrentFromManyThreads_LosesNothingWithinBounds()
    {
        const int Traces = 400;
        const int SpansPerTrace = 25;
        var store = NewStore(o =>
        {
            o.MaxSpans = Traces * SpansPerTrace;
            o.MaxTraces = Traces;
            o.MaxSpansPerTrace = SpansPerTrace;
        });
        var work = new ConcurrentQueue<StoredSpan>();
        for (var s = 0; s < SpansPerTrace; s++)
        {
            for (var t = 0; t < Traces; t++)
            {
                work.Enqueue(Create(t + 1, (t * SpansPerTrace) + s + 1));
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var options = new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = timeout.Token };

        await Parallel.ForAsync(0, 8, options, (_, _) =>
        {
            while (work.TryDequeue(out var span))
            {
                store.Add(span);
            }

            return ValueTask.CompletedTask;
        });

        Assert.Equal(Traces * SpansPerTrace, store.SpanCount);
        Assert.Equal(Traces, store.TraceCount);
        Assert.Equal(0, store.EvictedSpanCount);
        Assert.Equal(0, store.DroppedSpanCount);
        Assert.Equal(Traces * SpansPerTrace, store.GetSpans().Count);
        Assert.All(store.GetTraces(), t => Assert.Equal(SpansPerTrace, t.Count));
    }

    [Fact]
    public async Task Add_ConcurrentOverBounds_KeepsCountsConsistentAndBounded()
    {
        var store = NewStore(o =>
        {
            o.MaxSpans = 500;
            o.MaxTraces = 100;
            o.MaxSpansPerTrace = 10;
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var options = new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = timeout.Token };

        await Parallel.ForAsync(0, 5_000, options, (i, _) =>
        {
            store.Add(Create((i / 5) + 1, i + 1));
            return ValueTask.CompletedTask;
        });

        var statistics = store.GetStatistics();
        Assert.InRange(statistics.SpanCount, 1, 500);
        Assert.InRange(statistics.TraceCount, 1, 100);
        Assert.Equal(5_000, statistics.AcceptedSpanCount);
        Assert.Equal(statistics.AcceptedSpanCount, statistics.SpanCount + statistics.EvictedSpanCount);
        Assert.Equal(statistics.SpanCount, store.GetSpans().Count);
    }

    [Theory]
    [InlineData(1_000, 100_000)] // the span bound is the one that binds
    [InlineData(100_000, 1_000)] // the trace bound is the one that binds
    public async Task Add_ConcurrentWritersOfNewTraces_NeverHoldMoreThanBoundPlusWriters(int maxSpans, int maxTraces)
    {
        // Every add starts a new trace, so once full every add leaves the store over a bound. Each writer looks at the
        // counts after its own adds and a sampler looks at them all along: at most one span and one trace per writer
        // may be in flight over the bounds.
        const int Writers = 4;
        const int SpansPerWriter = 25_000;
        const int MaxSamples = 50_000_000;
        var store = NewStore(o =>
        {
            o.MaxSpans = maxSpans;
            o.MaxTraces = maxTraces;
            o.MaxSpansPerTrace = 1;
        });
        var writersDone = 0;
        var sampler = Task.Run(() =>
        {
            var peak = new Peak();
            for (var i = 0; i < MaxSamples && Volatile.Read(ref writersDone) == 0; i++)
            {
                peak.Sample(store);
            }

            return peak;
        });

        var writers = new Task<Peak>[Writers];
        for (var w = 0; w < Writers; w++)
        {
            var first = (w * SpansPerWriter) + 1;
            writers[w] = Task.Run(() =>
            {
                var peak = new Peak();
                for (var n = first; n < first + SpansPerWriter; n++)
                {
                    store.Add(Create(n, n));
                    peak.Sample(store);
                }

                return peak;
            });
        }

        var peaks = (await Task.WhenAll(writers)).ToList();
        Volatile.Write(ref writersDone, 1);
        peaks.Add(await sampler);

        Assert.All(peaks, p => Assert.InRange(p.Spans, 0, maxSpans + Writers));
        Assert.All(peaks, p => Assert.InRange(p.Traces, 0, maxTraces + Writers));
        Assert.InRange(store.SpanCount, 1, Math.Min(maxSpans, maxTraces));
        Assert.Equal(Writers * SpansPerWriter, store.SpanCount + store.EvictedSpanCount);
    }

    [Fact]
    public void GetTrace_Unknown_ReturnsNull()
    {
        var store = NewStore();
        store.Add(Create(1, 1));

        Assert.Null(store.GetTrace(TraceIdOf(2)));
    }

    [Fact]
    public void GetTrace_Known_ReturnsSpansSortedByStart()
    {
        var store = NewStore();
        store.Add(Create(1, 1, startMs: 30));
        store.Add(Create(1, 2, startMs: 10));
        store.Add(Create(1, 3, startMs: 20));

        var trace = store.GetTrace(TraceIdOf(1))!;

        Assert.Equal([SpanIdOf(2), SpanIdOf(3), SpanIdOf(1)], trace.Select(s => s.SpanId));
    }

    [Fact]
    public void Clear_RemovesEverythingWithoutCountingEviction()
    {
        var store = NewStore();
        store.Add(Create(1, 1));
        store.Add(Create(2, 2));

        store.Clear();

        Assert.Equal(0, store.SpanCount);
        Assert.Equal(0, store.TraceCount);
        Assert.Equal(0, store.EvictedSpanCount);
        Assert.Empty(store.GetSpans());
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsListingEveryError()
    {
        var options = new SpanStoreOptions { MaxSpans = 0, MaxTraces = -1, DefaultServiceName = " " };

        var error = Assert.Throws<ArgumentException>(() => new SpanStore(options));

        Assert.Contains("MaxSpans", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxTraces", error.Message, StringComparison.Ordinal);
        Assert.Contains("DefaultServiceName", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddActivity_ServiceNameTag_UsesTag()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        var store = NewStore(o => o.DefaultServiceName = "fallback");
        using (var activity = source.Source.StartActivity("tagged")!)
        {
            activity.SetTag("service.name", "from-tag");
            activity.Stop();
            store.Add(activity);
        }

        using (var activity = source.Source.StartActivity("untagged")!)
        {
            activity.Stop();
            store.Add(activity);
        }

        var spans = store.GetSpans();
        Assert.Equal("from-tag", spans.Single(s => s.Name == "tagged").ServiceName);
        Assert.Equal("fallback", spans.Single(s => s.Name == "untagged").ServiceName);
    }

    [Fact]
    public void AddActivity_ExplicitServiceName_WinsOverTag()
    {
        using var source = new SampledActivitySource("Propagation.Collector.Tests");
        var store = NewStore();
        using var activity = source.Source.StartActivity("op")!;
        activity.SetTag("service.name", "from-tag");
        activity.Stop();

        store.Add(activity, "explicit");

        Assert.Equal("explicit", store.GetSpans().Single().ServiceName);
    }

    /// <summary>The highest span and trace counts one thread saw.</summary>
    private sealed class Peak
    {
        public int Spans { get; private set; }

        public int Traces { get; private set; }

        public void Sample(SpanStore store)
        {
            Spans = Math.Max(Spans, store.SpanCount);
            Traces = Math.Max(Traces, store.TraceCount);
        }
    }
}
