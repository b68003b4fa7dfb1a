using System.Diagnostics;

namespace Propagation.Collector;

/// <summary>Filters, sort and page of a span search (<see cref="SpanStore.Search(SpanQuery)"/>).</summary>
/// <remarks>
/// Every filter that is set must match (AND). Unset (<see langword="null"/>) filters match everything. Results are
/// sorted by <see cref="SortBy"/> in <see cref="Direction"/>, ties broken by trace id then span id (ordinal), then,
/// for spans stored more than once with the same ids (possible through <see cref="SpanStore.Add(StoredSpan)"/>), by the
/// order they were stored in; so while the store is unchanged every matching span is on exactly one page.
/// </remarks>
public sealed class SpanQuery
{
    /// <summary>The default of <see cref="Limit"/>.</summary>
    public const int DefaultLimit = 100;

    /// <summary>The largest allowed <see cref="Limit"/>.</summary>
    public const int MaxLimit = 1_000;

    /// <summary>The largest allowed <see cref="Offset"/>.</summary>
    public const int MaxOffset = 100_000;

    /// <summary>Gets the trace id to match (32 lowercase hex characters), or <see langword="null"/>.</summary>
    public string? TraceId { get; init; }

    /// <summary>Gets the service name to match exactly (ordinal), or <see langword="null"/>.</summary>
    public string? ServiceName { get; init; }

    /// <summary>Gets the operation (span) name to match exactly (ordinal), or <see langword="null"/>.</summary>
    public string? OperationName { get; init; }

    /// <summary>Gets a prefix the operation name must start with (ordinal), or <see langword="null"/>.</summary>
    public string? OperationNamePrefix { get; init; }

    /// <summary>Gets the span kind to match, or <see langword="null"/>.</summary>
    public ActivityKind? Kind { get; init; }

    /// <summary>Gets the status code to match, or <see langword="null"/>.</summary>
    public ActivityStatusCode? Status { get; init; }

    /// <summary>Gets whether to match only error spans (<see langword="true"/>) or only non-error spans
    /// (<see langword="false"/>), or <see langword="null"/> for both.</summary>
    public bool? IsError { get; init; }

    /// <summary>Gets the smallest duration to match (inclusive), or <see langword="null"/>.</summary>
    public TimeSpan? MinDuration { get; init; }

    /// <summary>Gets the largest duration to match (inclusive), or <see langword="null"/>.</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>Gets the earliest start time to match (inclusive), or <see langword="null"/>.</summary>
    public DateTimeOffset? StartTimeFrom { get; init; }

    /// <summary>Gets the start time before which spans match (exclusive), or <see langword="null"/>.</summary>
    public DateTimeOffset? StartTimeTo { get; init; }

    /// <summary>Gets attributes that must all be present with equal values, or <see langword="null"/>.</summary>
    /// <remarks>The expected value is compared with the attribute's type: ordinal for strings, numerically for
    /// numbers (invariant culture; a whole number such as <c>9007199254740993</c> exactly, never rounded to a double),
    /// case-insensitively for <c>true</c>/<c>false</c>.</remarks>
    public IReadOnlyDictionary<string, string>? Attributes { get; init; }

    /// <summary>Gets the sort field.</summary>
    /// <value>Defaults to <see cref="SpanSortField.StartTime"/>.</value>
    public SpanSortField SortBy { get; init; } = SpanSortField.StartTime;

    /// <summary>Gets the sort direction.</summary>
    /// <value>Defaults to <see cref="SortDirection.Descending"/> (newest or slowest first).</value>
    public SortDirection Direction { get; init; } = SortDirection.Descending;

    /// <summary>Gets the most spans to return.</summary>
    /// <value>Defaults to 100; must be between 1 and <see cref="MaxLimit"/>.</value>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Gets how many matching spans to skip.</summary>
    /// <value>Defaults to 0; must be between 0 and <see cref="MaxOffset"/>.</value>
    public int Offset { get; init; }

    /// <summary>The offset of the page after one of <paramref name="count"/> results at <paramref name="offset"/>, or
    /// <see langword="null"/> when none follows: no match is left, or it would start past <see cref="MaxOffset"/> and
    /// could not be asked for.</summary>
    internal static int? NextOffset(int offset, int count, int total)
    {
        var end = offset + count;
        return end < total && end <= MaxOffset ? end : null;
    }
}
