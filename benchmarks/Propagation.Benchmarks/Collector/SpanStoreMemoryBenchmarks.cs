using BenchmarkDotNet.Attributes;
using Propagation.Collector;

namespace Propagation.Benchmarks.Collector;

/// <summary>Memory per stored span. With <see cref="MemoryDiagnoserAttribute"/> and
/// <c>OperationsPerInvoke</c>, the "Allocated" column is the bytes allocated per span to build it (8 attributes)
/// and store it: the span object, its attribute array and boxed values, its share of the trace bucket and of the
/// store's dictionary and eviction queue.</summary>
/// <remarks>Target: ≤ 1 KB per span with 8 attributes, i.e. ≤ 100 MB for the default 100 000-span bound.
/// Id and name strings are shared here as they are when spans come from activities of one trace (trace id) and
/// from cached instrumentation names; unique strings add about 100 bytes per span.</remarks>
[MemoryDiagnoser]
public class SpanStoreMemoryBenchmarks
{
    private const int Count = 10_000;

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
}
