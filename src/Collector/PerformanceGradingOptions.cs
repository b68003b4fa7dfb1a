namespace Propagation.Collector;

/// <summary>Grading thresholds per <see cref="OperationClass"/>.</summary>
/// <remarks>An operation is graded on its p95 latency with the thresholds of its class.</remarks>
public sealed class PerformanceGradingOptions
{
    /// <summary>Gets the thresholds for cache and in-memory operations.</summary>
    /// <value>Defaults to A &lt; 50 ms, B &lt; 100 ms, C &lt; 200 ms, D &lt; 500 ms.</value>
    public GradeThresholds Cache { get; } = new(
        TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500));

    /// <summary>Gets the thresholds for database operations.</summary>
    /// <value>Defaults to A &lt; 100 ms, B &lt; 250 ms, C &lt; 500 ms, D &lt; 1 s.</value>
    public GradeThresholds Database { get; } = new(
        TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));

    /// <summary>Gets the thresholds for AI (model) operations.</summary>
    /// <value>Defaults to A &lt; 2 s, B &lt; 5 s, C &lt; 10 s, D &lt; 20 s.</value>
    public GradeThresholds AI { get; } = new(
        TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20));

    /// <summary>Gets the thresholds for HTTP and RPC operations.</summary>
    /// <value>Defaults to A &lt; 200 ms, B &lt; 500 ms, C &lt; 1 s, D &lt; 2 s.</value>
    public GradeThresholds Http { get; } = new(
        TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

    /// <summary>Gets the thresholds for unclassified operations.</summary>
    /// <value>Defaults to the HTTP/API thresholds: A &lt; 200 ms, B &lt; 500 ms, C &lt; 1 s, D &lt; 2 s.</value>
    public GradeThresholds Other { get; } = new(
        TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

    /// <summary>Gets the thresholds of one class.</summary>
    /// <param name="operationClass">The class.</param>
    /// <returns>The thresholds.</returns>
    public GradeThresholds For(OperationClass operationClass) => operationClass switch
    {
        OperationClass.Cache => Cache,
        OperationClass.Database => Database,
        OperationClass.AI => AI,
        OperationClass.Http => Http,
        _ => Other,
    };

    /// <summary>Grades a latency of an operation of the given class.</summary>
    /// <param name="operationClass">The class.</param>
    /// <param name="latency">The latency.</param>
    /// <returns>The grade.</returns>
    public PerformanceGrade Grade(OperationClass operationClass, TimeSpan latency) => For(operationClass).Grade(latency);
}
