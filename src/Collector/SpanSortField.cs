namespace Propagation.Collector;

/// <summary>What search results are sorted by.</summary>
public enum SpanSortField
{
    /// <summary>The span start time.</summary>
    StartTime = 0,

    /// <summary>The span duration.</summary>
    Duration = 1,
}
