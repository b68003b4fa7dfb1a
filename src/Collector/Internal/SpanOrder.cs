namespace Propagation.Collector.Internal;

/// <summary>Total order of search results: the sort key, then trace id, then span id (ordinal).</summary>
internal sealed class SpanOrder : IComparer<StoredSpan>
{
    private readonly SpanSortField _field;
    private readonly bool _descending;

    public SpanOrder(SpanSortField field, SortDirection direction)
    {
        _field = field;
        _descending = direction == SortDirection.Descending;
    }

    public int Compare(StoredSpan? x, StoredSpan? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        return Compare(new StoredSpanFields(x), y);
    }

    /// <summary>Compares a span's fields (read in place from a record, or from a decoded span) with a decoded span.</summary>
    public int Compare<TFields>(scoped in TFields x, StoredSpan y)
        where TFields : ISpanFields, allows ref struct
    {
        var result = _field == SpanSortField.Duration ? x.Duration.CompareTo(y.Duration) : x.StartTime.CompareTo(y.StartTime);
        if (_descending)
        {
            result = -result;
        }

        if (result == 0)
        {
            result = x.CompareTraceId(y.TraceId);
        }

        return result != 0 ? result : x.CompareSpanId(y.SpanId);
    }
}

/// <summary>The reverse of an order, for the max-heap that keeps the best K results.</summary>
internal sealed class ReverseOrder(IComparer<StoredSpan> inner) : IComparer<StoredSpan>
{
    public int Compare(StoredSpan? x, StoredSpan? y) => inner.Compare(y, x);
}
