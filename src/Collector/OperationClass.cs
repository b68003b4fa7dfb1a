namespace Propagation.Collector;

/// <summary>The class of an operation, which selects its grading thresholds.</summary>
/// <remarks>See <see cref="SpanAnalysis.Classify(StoredSpan)"/> for the classification rules.</remarks>
public enum OperationClass
{
    /// <summary>Anything not matched by another class; graded with <see cref="PerformanceGradingOptions.Other"/>.</summary>
    Other = 0,

    /// <summary>HTTP and RPC calls and server requests.</summary>
    Http = 1,

    /// <summary>Database calls.</summary>
    Database = 2,

    /// <summary>Cache and in-memory operations.</summary>
    Cache = 3,

    /// <summary>Generative-AI and model calls.</summary>
    AI = 4,
}
