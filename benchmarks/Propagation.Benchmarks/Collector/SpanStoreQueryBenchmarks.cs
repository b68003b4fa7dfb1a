using BenchmarkDotNet.Attributes;
using Propagation.Collector;

namespace Propagation.Benchmarks.Collector;

/// <summary>Query latency on a store holding 100 000 and 1 000 000 spans (traces of 10 spans, 5 services,
/// 8 operations, 8 attributes per span).</summary>
/// <remarks>Targets: trace lookup ≤ 10 µs at any size; a filtered, sorted first page (limit 100) ≤ 50 ms at
/// 100 000 spans and ≤ 500 ms at 1 000 000 (a full scan: the store keeps no secondary indexes).</remarks>
[MemoryDiagnoser]
public class SpanStoreQueryBenchmarks
{
    private SpanStore _store = null!;
    private string _traceId = string.Empty;
    private SpanQuery _byService = null!;
    private SpanQuery _byAttributeSortedByDuration = null!;
    private SpanQuery _slowErrors = null!;
    private SpanQuery _byTraceId = null!;

    /// <summary>Gets or sets how many spans the store holds.</summary>
    [Params(100_000, 1_000_000)]
    public int SpanCount { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _store = CollectorBenchmarkData.CreateStore(SpanCount);
        var spans = CollectorBenchmarkData.CreateSpans(SpanCount);
        foreach (var span in spans)
        {
            _store.Add(span);
        }

        _traceId = spans[SpanCount / 2].TraceId;
        _byService = new SpanQuery { ServiceName = "backend", Limit = 100 };
        _byAttributeSortedByDuration = new SpanQuery
        {
            Attributes = new Dictionary<string, string> { ["http.response.status_code"] = "200", ["user.tier"] = "1" },
            SortBy = SpanSortField.Duration,
            Limit = 100,
        };
        _slowErrors = new SpanQuery { IsError = true, MinDuration = TimeSpan.FromMilliseconds(100), OperationNamePrefix = "GET", Limit = 100 };
        _byTraceId = new SpanQuery { TraceId = _traceId };
    }

    /// <summary>Looks up one trace by id.</summary>
    [Benchmark]
    public int GetTrace() => _store.GetTrace(_traceId)!.Count;

    /// <summary>Searches by trace id (single bucket).</summary>
    [Benchmark]
    public int Search_ByTraceId() => _store.Search(_byTraceId).TotalCount;

    /// <summary>Searches by service, newest first, first page.</summary>
    [Benchmark]
    public int Search_ByService() => _store.Search(_byService).TotalCount;

    /// <summary>Searches by two attributes, slowest first, first page.</summary>
    [Benchmark]
    public int Search_ByAttributes_SortedByDuration() => _store.Search(_byAttributeSortedByDuration).TotalCount;

    /// <summary>Searches slow error spans by operation prefix.</summary>
    [Benchmark]
    public int Search_SlowErrors() => _store.Search(_slowErrors).TotalCount;
}
