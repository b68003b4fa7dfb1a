namespace Propagation.Collector;

/// <summary>Upper bounds (exclusive) of grades A to D for one <see cref="OperationClass"/>; anything at or above
/// <see cref="D"/> is graded <see cref="PerformanceGrade.F"/>.</summary>
/// <remarks>Must be positive and strictly increasing: <c>A &lt; B &lt; C &lt; D</c>.</remarks>
public sealed class GradeThresholds
{
    /// <summary>Initializes a new instance of the <see cref="GradeThresholds"/> class.</summary>
    /// <param name="a">A latency below which the grade is A.</param>
    /// <param name="b">A latency below which the grade is B.</param>
    /// <param name="c">A latency below which the grade is C.</param>
    /// <param name="d">A latency below which the grade is D.</param>
    public GradeThresholds(TimeSpan a, TimeSpan b, TimeSpan c, TimeSpan d)
    {
        A = a;
        B = b;
        C = c;
        D = d;
    }

    /// <summary>Gets or sets the A bound: latencies below it grade A.</summary>
    public TimeSpan A { get; set; }

    /// <summary>Gets or sets the B bound: latencies below it (and at or above <see cref="A"/>) grade B.</summary>
    public TimeSpan B { get; set; }

    /// <summary>Gets or sets the C bound.</summary>
    public TimeSpan C { get; set; }

    /// <summary>Gets or sets the D bound: latencies at or above it grade F.</summary>
    public TimeSpan D { get; set; }

    /// <summary>Grades a latency.</summary>
    /// <param name="latency">The latency to grade (typically an operation's p95).</param>
    /// <returns>The grade.</returns>
    public PerformanceGrade Grade(TimeSpan latency)
    {
        if (latency < A)
        {
            return PerformanceGrade.A;
        }

        if (latency < B)
        {
            return PerformanceGrade.B;
        }

        if (latency < C)
        {
            return PerformanceGrade.C;
        }

        return latency < D ? PerformanceGrade.D : PerformanceGrade.F;
    }
}
