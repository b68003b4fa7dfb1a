namespace Propagation.Collector;

/// <summary>A performance grade, A (best) to F (slower than every threshold).</summary>
public enum PerformanceGrade
{
    /// <summary>Faster than the A threshold.</summary>
    A = 0,

    /// <summary>Faster than the B threshold.</summary>
    B = 1,

    /// <summary>Faster than the C threshold.</summary>
    C = 2,

    /// <summary>Faster than the D threshold.</summary>
    D = 3,

    /// <summary>At or above the D threshold.</summary>
    F = 4,
}
