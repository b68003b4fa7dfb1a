namespace Propagation.Collector.Internal;

/// <summary>Order of spans: the sort key, then trace id, then span id (ordinal). Spans stored twice with the same ids
/// and sort key compare equal; a search ranks them by their record's position in the trace (<see cref="RankedSpan"/>),
/// which makes its order total.</summary>
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

    /// <summary>Compares a record's fields and its position in its trace with a ranked span: the order above, then
    /// the position. Only spans of one trace get as far as the position, and those come from one bucket.</summary>
    public int Compare<TFields>(scoped in TFields x, int xPosition, RankedSpan y)
        where TFields : ISpanFields, allows ref struct
    {
        var result = Compare(x, y.Span);
        return result != 0 ? result : xPosition.CompareTo(y.Position);
    }
}

/// <summary>A decoded search result and the position of its record in its trace's bucket (the order it was stored in),
/// the last key of the search order.</summary>
internal readonly record struct RankedSpan(StoredSpan Span, int Position);

/// <summary>The reverse of the search order, for the max-heap that keeps the best K results.</summary>
internal sealed class ReverseRankOrder(SpanOrder order) : IComparer<RankedSpan>
{
    public int Compare(RankedSpan x, RankedSpan y) => order.Compare(new StoredSpanFields(y.Span), y.Position, x);
}
