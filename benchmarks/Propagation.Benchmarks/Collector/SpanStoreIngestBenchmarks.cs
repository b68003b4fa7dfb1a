using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Propagation.Collector;

namespace Propagation.Benchmarks.Collector;

/// <summary>Ingest throughput: time per stored span (spans/s = 1 / mean). Each invocation adds <see cref="Batch"/>
/// spans to a store already at its 100 000-span bound, so every add also pays eviction.</summary>
/// <remarks>Targets: single-threaded ≥ 1 000 000 spans/s (≤ 1 µs per span) for pre-built spans; parallel ingest
/// must scale (no global lock), i.e. 4 threads faster per span than 1.</remarks>
[MemoryDiagnoser]
public class SpanStoreIngestBenchmarks
{
    private const int Batch = 10_000;
    private const int Threads = 4;

    private StoredSpan[] _spans = [];
    private StoredSpan[][] _rounds = [];
    private SpanStore _store = null!;
    private ActivitySource _source = null!;
    private ActivityListener _listener = null!;
    private int _round;

    [GlobalSetup]
    public void Setup()
    {
        _store = CollectorBenchmarkData.CreateStore(100_000);
        foreach (var span in CollectorBenchmarkData.CreateSpans(100_000))
        {
            _store.Add(span);
        }

        // Rounds of fresh spans: 12 × 10 000 > the 100 000 bound, so by the time a round repeats its traces were
        // evicted and it measures real adds (plus eviction), never the per-trace-cap drop path.
        _rounds = new StoredSpan[12][];
        for (var i = 0; i < _rounds.Length; i++)
        {
            _rounds[i] = CollectorBenchmarkData.CreateSpans(Batch);
        }

        _spans = _rounds[0];
        _source = new ActivitySource("Propagation.Benchmarks.Collector.Ingest");
        _listener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, _source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener.Dispose();
        _source.Dispose();
    }

    [IterationSetup]
    public void NextRound() => _spans = _rounds[_round++ % _rounds.Length];

    /// <summary>Adds pre-built spans from one thread.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void AddSpans_SingleThread()
    {
        var spans = _spans;
        for (var i = 0; i < spans.Length; i++)
        {
            _store.Add(spans[i]);
        }
    }

    /// <summary>Adds pre-built spans from four threads at once.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void AddSpans_FourThreads()
    {
        var spans = _spans;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (var i = t; i < spans.Length; i += Threads)
            {
                _store.Add(spans[i]);
            }
        });
    }

    /// <summary>Converts finished activities (8 tags each) and adds them: the exporter's per-span cost.</summary>
    [Benchmark(OperationsPerInvoke = 1_000)]
    public void AddActivities_WithConversion()
    {
        for (var i = 0; i < 1_000; i++)
        {
            using var activity = _source.StartActivity("GET /orders", ActivityKind.Server)!;
            activity.SetTag("http.request.method", "GET");
            activity.SetTag("http.route", "/orders");
            activity.SetTag("http.response.status_code", 200);
            activity.SetTag("server.address", "backend.internal");
            activity.SetTag("server.port", 8080);
            activity.SetTag("url.scheme", "https");
            activity.SetTag("network.protocol.version", "1.1");
            activity.SetTag("http.request.header.authorization", "Bearer token");
            activity.Stop();
            _store.Add(activity, "backend");
        }
    }
}
