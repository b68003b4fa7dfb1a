namespace Propagation.Collector;

/// <summary>The direction of a sort.</summary>
public enum SortDirection
{
    /// <summary>Newest (or shortest) last: smallest first.</summary>
    Ascending = 0,

    /// <summary>Largest first.</summary>
    Descending = 1,
}
