namespace Propagation.Collector;

/// <summary>One page of search results.</summary>
/// <param name="Spans">The spans of this page, sorted as requested.</param>
/// <param name="TotalCount">How many spans matched the filters in all.</param>
/// <param name="Offset">The offset of this page.</param>
/// <param name="Limit">The page size asked for.</param>
/// <param name="NextOffset">The offset of the next page, or <see langword="null"/> when this is the last one: no match is
/// left, or the next page would start past <see cref="SpanQuery.MaxOffset"/> (a store bound above what paging reaches;
/// <paramref name="TotalCount"/> still counts every match, narrow the filters to reach the rest).</param>
public sealed record SpanSearchResult(IReadOnlyList<StoredSpan> Spans, int TotalCount, int Offset, int Limit, int? NextOffset);
