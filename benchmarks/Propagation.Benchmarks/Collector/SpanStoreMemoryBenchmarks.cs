using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Propagation.Collector;

namespace Propagation.Benchmarks.Collector;

/// <summary>Memory per stored span (8 attributes each, 10 spans per trace). With
/// <see cref="MemoryDiagnoserAttribute"/> and <c>OperationsPerInvoke</c>, the "Allocated" column is bytes allocated
/// per span; the extra <c>Retained/span</c> column is what the store still holds per span after a full collection,
/// the number that sizes the heap at the store's bound, and <c>GC pause/1k spans</c> is what keeping spans costs the
/// GC while a full store keeps ingesting.</summary>
/// <remarks>
/// <para><see cref="BuildAndStoreSpans"/> allocates the span objects and stores them (the allocation of an export
/// thread that converts and stores). <see cref="StoreSpans"/> stores pre-built spans, so its "Allocated" is the
/// store's own cost per span: its record bytes (with the slack and the discarded halves of growing trace buffers)
/// and its share of the trace bucket, dictionary and eviction queue.</para>
/// <para><c>Retained/span</c> is measured once, in the host process, with <see cref="GC.GetTotalMemory(bool)"/>
/// around building and storing <see cref="Count"/> spans whose source objects are then dropped: what stays is what
/// the store keeps. Id and name strings are shared the way spans of one trace share them (trace id) and cached
/// instrumentation names are (operation, service); span ids are unique per span.</para>
/// <para><c>GC pause/1k spans</c> is measured once, in the host process, with <see cref="GC.GetTotalPauseDuration"/>
/// around building and storing 300 000 spans into a store already at its default 100 000-span bound: every add
/// also evicts, and what the store keeps survives collections and is promoted, which is the cost that grows with the
/// number of objects per stored span.</para>
/// <para>Target: ≤ 1 KB per span with 8 attributes, i.e. ≤ 100 MB for the default 100 000-span bound.</para>
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(StoreFootprintConfig))]
public class SpanStoreMemoryBenchmarks
{
    /// <summary>Spans per invocation: 1 000 traces of 10.</summary>
    public const int Count = 10_000;

    private StoredSpan[] _spans = [];

    /// <summary>Builds the spans <see cref="StoreSpans"/> adds (the spans are never changed, so every invocation
    /// stores the same ones into a new store).</summary>
    [GlobalSetup(Target = nameof(StoreSpans))]
    public void Setup() => _spans = CollectorBenchmarkData.CreateSpans(Count);

    /// <summary>Builds and stores 10 000 spans (1 000 traces) into an empty store.</summary>
    /// <returns>The store's span count.</returns>
    [Benchmark(OperationsPerInvoke = Count)]
    public int BuildAndStoreSpans()
    {
        var store = CollectorBenchmarkData.CreateStore(Count);
        foreach (var span in CollectorBenchmarkData.CreateSpans(Count))
        {
            store.Add(span);
        }

        return store.SpanCount;
    }

    /// <summary>Stores 10 000 pre-built spans (1 000 traces) into an empty store.</summary>
    /// <returns>The store's span count.</returns>
    [Benchmark(OperationsPerInvoke = Count)]
    public int StoreSpans()
    {
        var store = CollectorBenchmarkData.CreateStore(Count);
        var spans = _spans;
        for (var i = 0; i < spans.Length; i++)
        {
            store.Add(spans[i]);
        }

        return store.SpanCount;
    }

    /// <summary>Measures the bytes a store retains per span after a full collection.</summary>
    /// <returns>Retained bytes per span.</returns>
    internal static double MeasureRetainedBytesPerSpan()
    {
        // Warm up once so type loading, statics and the first dictionary resizes are not counted.
        Fill(CollectorBenchmarkData.CreateStore(Count));

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var store = CollectorBenchmarkData.CreateStore(Count);
        Fill(store);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(store);
        return (after - before) / (double)store.SpanCount;
    }

    /// <summary>Measures the GC pause per 1 000 spans while a store at its default 100 000-span bound keeps
    /// ingesting newly built spans (so every add also evicts).</summary>
    /// <returns>Milliseconds of GC pause per 1 000 stored spans.</returns>
    internal static double MeasureGcPauseMillisecondsPer1000Spans()
    {
        const int Bound = 100_000;
        const int Ingested = 300_000;
        var store = CollectorBenchmarkData.CreateStore(Bound);
        for (var i = 0; i < Bound; i += Count)
        {
            Fill(store);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalPauseDuration();
        for (var i = 0; i < Ingested; i += Count)
        {
            Fill(store);
        }

        var pause = GC.GetTotalPauseDuration() - before;
        GC.KeepAlive(store);
        return pause.TotalMilliseconds * 1_000 / Ingested;
    }

    private static void Fill(SpanStore target)
    {
        foreach (var span in CollectorBenchmarkData.CreateSpans(Count))
        {
            target.Add(span);
        }
    }

    private sealed class StoreFootprintConfig : ManualConfig
    {
        public StoreFootprintConfig()
        {
            AddColumn(new MeasuredColumn(
                "Retained/span",
                "Bytes the store retains per stored span after a full GC (measured once, in the host process)",
                static () => string.Create(CultureInfo.InvariantCulture, $"{MeasureRetainedBytesPerSpan():F0} B")));
            AddColumn(new MeasuredColumn(
                "GC pause/1k spans",
                "GC pause per 1 000 spans ingested into a store at its 100 000-span bound (measured once, in the host process)",
                static () => string.Create(CultureInfo.InvariantCulture, $"{MeasureGcPauseMillisecondsPer1000Spans():F2} ms")));
        }
    }

    /// <summary>A value measured once per run, in the host process, shown on every row.</summary>
    private sealed class MeasuredColumn(string name, string legend, Func<string> measure) : IColumn
    {
        private readonly Lazy<string> _value = new(measure);

        public string Id => nameof(MeasuredColumn) + "." + name;

        public string ColumnName => name;

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Metric;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => legend;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => _value.Value;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => _value.Value;

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
