namespace Propagation.Collector;

/// <summary>An operation ranked by its impact on the system, with the numbers behind the score.</summary>
/// <remarks><c>ImpactScore = DurationFactor × FrequencyFactor × ErrorFactor</c> where <c>DurationFactor</c> is the
/// p95 latency in milliseconds, <c>FrequencyFactor</c> the span count, and <c>ErrorFactor</c> is
/// <c>1 + <see cref="SpanAnalysis.ErrorWeight"/> × error rate</c>. The score is thus the time the operation's tail
/// costs in all (ms), weighted up by failures: a slow, frequent, failing operation ranks first.</remarks>
/// <param name="Operation">The operation's statistics.</param>
/// <param name="ImpactScore">The score (higher is worse).</param>
/// <param name="DurationFactor">The p95 latency in milliseconds.</param>
/// <param name="FrequencyFactor">The span count.</param>
/// <param name="ErrorFactor">1 + <see cref="SpanAnalysis.ErrorWeight"/> × the error rate.</param>
/// <param name="Reasons">Human-readable evidence, e.g. <c>p95 1200 ms grades D (Http)</c>.</param>
public sealed record Bottleneck(
    OperationStatistics Operation,
    double ImpactScore,
    double DurationFactor,
    double FrequencyFactor,
    double ErrorFactor,
    IReadOnlyList<string> Reasons);
