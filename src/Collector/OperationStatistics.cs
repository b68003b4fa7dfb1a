namespace Propagation.Collector;

/// <summary>Latency and error statistics of one operation (span name) of one service.</summary>
/// <remarks>Percentiles use the nearest-rank method: the p-th percentile of n sorted durations is the one at
/// 1-based rank ⌈p/100 × n⌉.</remarks>
/// <param name="ServiceName">The service.</param>
/// <param name="Name">The operation (span) name.</param>
/// <param name="OperationClass">The class most of its spans fall in (see <see cref="SpanAnalysis.Classify(StoredSpan)"/>).</param>
/// <param name="Count">How many spans.</param>
/// <param name="ErrorCount">How many of them are errors.</param>
/// <param name="ErrorRate"><paramref name="ErrorCount"/> / <paramref name="Count"/>, 0 to 1.</param>
/// <param name="Mean">The mean duration.</param>
/// <param name="P50">The median duration.</param>
/// <param name="P95">The 95th percentile duration.</param>
/// <param name="P99">The 99th percentile duration.</param>
/// <param name="Max">The longest duration.</param>
/// <param name="TotalDuration">The sum of all durations, at most <see cref="TimeSpan.MaxValue"/> (at least
/// <see cref="TimeSpan.MinValue"/>) when the sum is out of range.</param>
/// <param name="Grade">The grade of <paramref name="P95"/> against the thresholds of <paramref name="OperationClass"/>.</param>
public sealed record OperationStatistics(
    string ServiceName,
    string Name,
    OperationClass OperationClass,
    int Count,
    int ErrorCount,
    double ErrorRate,
    TimeSpan Mean,
    TimeSpan P50,
    TimeSpan P95,
    TimeSpan P99,
    TimeSpan Max,
    TimeSpan TotalDuration,
    PerformanceGrade Grade);
