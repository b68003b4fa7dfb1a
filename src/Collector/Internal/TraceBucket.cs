namespace Propagation.Collector.Internal;

/// <summary>The spans of one trace, guarded by a lock of their own (never a store-wide lock).</summary>
internal sealed class TraceBucket
{
    private readonly Lock _lock = new();
    private StoredSpan[] _spans;
    private int _count;
    private bool _evicted;

    public TraceBucket(string traceId, DateTimeOffset createdAt)
    {
        TraceId = traceId;
        CreatedAt = createdAt;
        _spans = new StoredSpan[4];
    }

    public string TraceId { get; }

    /// <summary>When the first span of the trace was stored (store clock); the age bound is measured from it.</summary>
    public DateTimeOffset CreatedAt { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Adds a span unless the bucket was evicted or is full; bumps the store's span counter inside the lock.</summary>
    public BucketAddResult TryAdd(StoredSpan span, int maxSpans, ref int storeSpanCount)
    {
        lock (_lock)
        {
            if (_evicted)
            {
                return BucketAddResult.Evicted;
            }

            if (_count >= maxSpans)
            {
                return BucketAddResult.Full;
            }

            if (_count == _spans.Length)
            {
                Array.Resize(ref _spans, Math.Min(_spans.Length * 2, Math.Max(maxSpans, 4)));
            }

            _spans[_count++] = span;
            Interlocked.Increment(ref storeSpanCount);
            return BucketAddResult.Added;
        }
    }

    /// <summary>Marks the bucket evicted (later adds retry with a new bucket) and returns how many spans it held.</summary>
    public int MarkEvicted()
    {
        lock (_lock)
        {
            _evicted = true;
            var count = _count;
            _spans = [];
            _count = 0;
            return count;
        }
    }

    public StoredSpan[] Snapshot()
    {
        lock (_lock)
        {
            return _spans.AsSpan(0, _count).ToArray();
        }
    }

    /// <summary>Calls <paramref name="visitor"/> for each span while holding only this bucket's lock.</summary>
    public void Visit<TState>(ref TState state, SpanVisitor<TState> visitor)
    {
        lock (_lock)
        {
            for (var i = 0; i < _count; i++)
            {
                visitor(ref state, _spans[i]);
            }
        }
    }
}

internal delegate void SpanVisitor<TState>(ref TState state, StoredSpan span);

internal enum BucketAddResult
{
    Added,
    Full,
    Evicted,
}
