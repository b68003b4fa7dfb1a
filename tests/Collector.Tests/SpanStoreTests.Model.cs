using static Propagation.Collector.Tests.TestSpans;

namespace Propagation.Collector.Tests;

public sealed partial class SpanStoreTests
{
    // A sequential reference model of the store's bounds: traces in arrival order, whole-trace eviction oldest first
    // after each successful add (and on reads), per-trace cap drops without eviction.
    private sealed class StoreModel(int maxSpans, int maxTraces, int perTrace, TimeSpan maxAge)
    {
        private readonly List<(int Trace, DateTimeOffset Created, List<int> Spans)> _traces = [];

        public long Evicted { get; private set; }

        public long Dropped { get; private set; }

        public void Add(int trace, int span, DateTimeOffset now)
        {
            var entry = _traces.FindIndex(t => t.Trace == trace);
            if (entry < 0)
            {
                _traces.Add((trace, now, [span]));
            }
            else if (_traces[entry].Spans.Count >= perTrace)
            {
                Dropped++;
                return;
            }
            else
            {
                _traces[entry].Spans.Add(span);
            }

            Enforce(now);
        }

        public void Enforce(DateTimeOffset now)
        {
            while (_traces.Count > 0 &&
                   (_traces.Sum(t => t.Spans.Count) > maxSpans || _traces.Count > maxTraces || now - _traces[0].Created > maxAge))
            {
                Evicted += _traces[0].Spans.Count;
                _traces.RemoveAt(0);
            }
        }

        public IEnumerable<string> SpanIds() => _traces.SelectMany(t => t.Spans).Select(SpanIdOf).Order(StringComparer.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Add_RandomSequence_MatchesReferenceModel(int seed)
    {
        var random = new Random(seed);
        var maxSpans = random.Next(5, 40);
        var maxTraces = random.Next(2, 10);
        var perTrace = random.Next(1, Math.Min(maxSpans, 8) + 1);
        var maxAge = TimeSpan.FromSeconds(random.Next(5, 60));
        var time = new ManualTimeProvider();
        var store = NewStore(
            o =>
            {
                o.MaxSpans = maxSpans;
                o.MaxTraces = maxTraces;
                o.MaxSpansPerTrace = perTrace;
                o.MaxAge = maxAge;
            },
            time);
        var model = new StoreModel(maxSpans, maxTraces, perTrace, maxAge);

        for (var span = 1; span <= 400; span++)
        {
            if (random.Next(4) == 0)
            {
                time.Advance(TimeSpan.FromSeconds(random.Next(0, 10)));
            }

            var trace = random.Next(1, 15);
            store.Add(Create(trace, span));
            model.Add(trace, span, time.GetUtcNow());

            if (span % 50 == 0)
            {
                var stored = store.GetSpans().Select(s => s.SpanId).Order(StringComparer.Ordinal);
                model.Enforce(time.GetUtcNow());
                Assert.Equal(model.SpanIds(), stored);
            }
        }

        var final = store.GetSpans().Select(s => s.SpanId).Order(StringComparer.Ordinal).ToList();
        model.Enforce(time.GetUtcNow());
        Assert.Equal(model.SpanIds(), final);
        Assert.Equal(model.Evicted, store.EvictedSpanCount);
        Assert.Equal(model.Dropped, store.DroppedSpanCount);
    }
}
