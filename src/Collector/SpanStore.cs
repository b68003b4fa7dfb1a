using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Propagation.Collector.Internal;

namespace Propagation.Collector;

/// <summary>A bounded, thread-safe, in-process store of finished spans, grouped by trace.</summary>
/// <remarks>
/// <para><b>Design.</b> Spans live in per-trace buckets held by a <see cref="ConcurrentDictionary{TKey, TValue}"/>
/// keyed by trace id. Adding a span while the store is within its bounds takes only the lock of its own trace's bucket,
/// so request threads that finish spans of different traces never contend; the store-wide eviction lock is taken only
/// by adds that leave the store over a bound (see below). Span and trace counts are
/// <see cref="Interlocked"/> counters.</para>
/// <para><b>Eviction.</b> Each new bucket is appended to a lock-free <see cref="ConcurrentQueue{T}"/> in the order
/// its first span arrived. When an add leaves the store over <see cref="SpanStoreOptions.MaxSpans"/> or
/// <see cref="SpanStoreOptions.MaxTraces"/>, or the oldest trace is older than <see cref="SpanStoreOptions.MaxAge"/>,
/// whole traces are evicted from the head of the queue (oldest first) until every bound holds again. An add that
/// leaves the store within its bounds takes no lock; one that leaves it over a bound takes the store's eviction lock
/// (waiting for a thread already evicting) and evicts until the bounds hold, before it returns. At any moment the store
/// therefore holds at most <see cref="SpanStoreOptions.MaxSpans"/> spans and <see cref="SpanStoreOptions.MaxTraces"/>
/// traces plus those of adds still in progress (at most one span and one trace per adding thread). A span that races
/// with the eviction of its trace retries into a fresh bucket instead of being lost. Whole traces are evicted so that a stored trace is complete for
/// analysis; the store may therefore briefly hold fewer spans than the bound. Age is also enforced on reads.</para>
/// <para><b>Per-trace cap.</b> Spans over <see cref="SpanStoreOptions.MaxSpansPerTrace"/> are dropped and counted in
/// <see cref="DroppedSpanCount"/>, as is a span too large to encode into one array (strings of about 2^30
/// characters).</para>
/// <para><b>Storage and reads.</b> A trace's spans are not kept as objects: each span is encoded (outside any lock)
/// into a compact record without references, and a trace's records are appended to one byte array, rented from
/// <see cref="System.Buffers.ArrayPool{T}.Shared"/>, that doubles as it grows; outgrown arrays and those of evicted
/// traces go back to the pool. The trace id is kept once per trace, as the bucket's key. Reads
/// (<see cref="GetTrace"/>, <see cref="GetTraces"/>, <see cref="GetSpans"/>, <see cref="Search"/>) decode the records
/// into new <see cref="StoredSpan"/> objects on each call: a span read twice gives two equal but distinct snapshots,
/// the spans of one trace share one trace id string, and the <see cref="StoredSpan"/> passed to
/// <see cref="Add(StoredSpan)"/> is copied, never kept. A read holds a trace's lock only to copy its bytes and
/// decodes after releasing it. <see cref="Search"/> filters and sorts on the records in place, under each trace's
/// lock in turn (strings are compared in their encoded form), and decodes only the spans that make the page. Attribute values of types other than <see cref="string"/>,
/// <see cref="long"/>, <see cref="double"/> and <see cref="bool"/> given to <see cref="Add(StoredSpan)"/> are stored
/// as <see cref="SpanTag"/> describes (integers as <see cref="long"/>, floating point as <see cref="double"/>, the
/// rest as their invariant string).</para>
/// <para><b>Memory.</b> A stored span with 8 short ASCII attributes is held in about 440 bytes: a record of about
/// 300 bytes (strings take one byte per character when ASCII, two otherwise), the unused end of its trace's array
/// and its share of the trace bucket, dictionary and eviction queue. That is about the 445 bytes the earlier
/// object-per-span layout took, but as one array per trace instead of about 15 objects per span, so the GC has next
/// to nothing to mark or promote per span: a store at its bound that keeps ingesting costs about 0.2 ms of GC pause
/// per 1 000 spans, against about 1 ms before. Measured by the <c>SpanStoreMemoryBenchmarks</c> benchmark (retained
/// bytes per span, GC pause), see <c>docs/benchmarks.md</c>. Long string values and events add their characters.
/// The default bound of 100 000 spans thus needs on the order of 50 MB.</para>
/// <para><b>Credentials.</b> Spans converted from activities never hold raw credentials: values of
/// keys whose last segment (e.g. <c>authorization</c> in <c>http.request.header.authorization</c>) is
/// <c>authorization</c>, <c>proxy-authorization</c>, <c>cookie</c> or <c>set-cookie</c>, or contains <c>api-key</c>,
/// <c>apikey</c>, <c>api_key</c>, <c>token</c>, <c>secret</c> or <c>password</c> with no letter after it (the header redaction's rule) are
/// stored as <see cref="SpanTag.RedactedValue"/>.</para>
/// </remarks>
public sealed class SpanStore
{
    // Bytes of the pooled buffer a span is first encoded into; a typical span with 8 attributes takes about 300.
    private const int ScratchLength = 4096;

    private readonly ConcurrentDictionary<string, TraceBucket> _traces = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<TraceBucket> _evictionQueue = new();
    private readonly Lock _evictionLock = new();
    private readonly TimeProvider _timeProvider;
    private readonly SpanLimits _limits;
    private readonly int _maxSpans;
    private readonly int _maxTraces;
    private readonly int _maxSpansPerTrace;
    private readonly TimeSpan _maxAge;

    private int _spanCount;
    private int _traceCount;
    private long _acceptedSpans;
    private long _evictedSpans;
    private long _evictedTraces;
    private long _droppedSpans;

    /// <summary>Initializes a new instance of the <see cref="SpanStore"/> class.</summary>
    /// <param name="options">The bounds; validated here.</param>
    /// <param name="timeProvider">The clock used for the age bound (its monotonic <see cref="TimeProvider.GetTimestamp"/>, so
    /// setting the system time neither keeps nor evicts traces), or <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every error.</exception>
    public SpanStore(SpanStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = SpanStoreOptionsValidator.Collect(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        Options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _limits = SpanLimits.From(options);
        _maxSpans = options.MaxSpans;
        _maxTraces = options.MaxTraces;
        _maxSpansPerTrace = options.MaxSpansPerTrace;
        _maxAge = options.MaxAge;
    }

    /// <summary>Initializes a new instance of the <see cref="SpanStore"/> class from configured options.</summary>
    /// <param name="options">The configured options.</param>
    /// <param name="timeProvider">The clock used for the age bound.</param>
    public SpanStore(IOptions<SpanStoreOptions> options, TimeProvider timeProvider)
        : this(options?.Value!, timeProvider)
    {
    }

    /// <summary>Gets the options the store was created with (bounds are read once, at construction).</summary>
    public SpanStoreOptions Options { get; }

    /// <summary>Gets the number of spans currently stored.</summary>
    public int SpanCount => Volatile.Read(ref _spanCount);

    /// <summary>Gets the number of traces currently stored.</summary>
    public int TraceCount => Volatile.Read(ref _traceCount);

    /// <summary>Gets the number of spans removed by eviction since the store was created.</summary>
    public long EvictedSpanCount => Interlocked.Read(ref _evictedSpans);

    /// <summary>Gets the number of spans never stored (over the per-trace cap, without ids, or too large to encode).</summary>
    public long DroppedSpanCount => Interlocked.Read(ref _droppedSpans);

    /// <summary>Stores a span.</summary>
    /// <param name="span">The span.</param>
    /// <returns><see langword="true"/> when stored; <see langword="false"/> when dropped (trace over its cap, empty
    /// trace or span id, or too large to encode).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="span"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">Another thread grew the span's attribute, event or link lists
    /// while it was being stored.</exception>
    /// <remarks>The span is copied: later reads return new objects with the same content, and changing the span's
    /// lists afterwards does not change the stored copy. Attributes without a key (a <see langword="null"/>
    /// <see cref="SpanTag.Key"/>) of the span, its events and its links are left out of the copy, and so are
    /// <see langword="null"/> events and links and links without ids; a <see langword="null"/> name is stored empty and a
    /// <see langword="null"/> list as an empty one. The span and the rest of it are stored.</remarks>
    public bool Add(StoredSpan span)
    {
        ArgumentNullException.ThrowIfNull(span);
        if (string.IsNullOrEmpty(span.TraceId) || string.IsNullOrEmpty(span.SpanId))
        {
            Interlocked.Increment(ref _droppedSpans);
            return false;
        }

        // A keyless attribute cannot be written as JSON or analysed, and a null name or list cannot be read: stored,
        // either would fail every read of its span.
        span = AddedSpans.Sanitize(span);

        // Encoded outside any lock; the bucket copies the bytes under its own.
        var scratch = Encode(span, out var length);
        if (scratch is null)
        {
            Interlocked.Increment(ref _droppedSpans);
            return false;
        }

        try
        {
            if (!AddRecord(span.TraceId, scratch.AsSpan(0, length)))
            {
                return false;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }

        EnforceBounds();
        return true;
    }

    /// <summary>Converts a finished activity and stores it.</summary>
    /// <param name="activity">The finished activity.</param>
    /// <param name="serviceName">The service name, or <see langword="null"/> to use the activity's
    /// <c>service.name</c> tag, else <see cref="SpanStoreOptions.DefaultServiceName"/>.</param>
    /// <returns><see langword="true"/> when stored; <see langword="false"/> when dropped.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="activity"/> is <see langword="null"/>.</exception>
    public bool Add(Activity activity, string? serviceName = null)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var service = serviceName;
        if (string.IsNullOrEmpty(service))
        {
            service = activity.GetTagItem("service.name") as string;
        }

        if (string.IsNullOrEmpty(service))
        {
            service = Options.DefaultServiceName;
        }

        return Add(SpanConverter.Convert(activity, service, _limits));
    }

    /// <summary>Gets the current counts and counters.</summary>
    /// <returns>The statistics.</returns>
    public SpanStoreStatistics GetStatistics()
    {
        EnforceBounds();
        return new SpanStoreStatistics(
            SpanCount,
            TraceCount,
            Interlocked.Read(ref _acceptedSpans),
            EvictedSpanCount,
            Interlocked.Read(ref _evictedTraces),
            DroppedSpanCount,
            _maxSpans,
            _maxTraces,
            _maxSpansPerTrace,
            _maxAge);
    }

    /// <summary>Gets the spans of one trace, sorted by start time.</summary>
    /// <param name="traceId">The trace id (32 lowercase hex characters).</param>
    /// <returns>The spans, or <see langword="null"/> when the trace is not stored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="traceId"/> is <see langword="null"/>.</exception>
    public IReadOnlyList<StoredSpan>? GetTrace(string traceId)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        EnforceBounds();
        if (!_traces.TryGetValue(traceId, out var bucket))
        {
            return null;
        }

        var spans = bucket.Snapshot();
        if (spans.Length == 0)
        {
            return null;
        }

        Array.Sort(spans, new SpanOrder(SpanSortField.StartTime, SortDirection.Ascending));
        return spans;
    }

    /// <summary>Gets a snapshot of every stored trace, oldest first, each as its spans sorted by start time.</summary>
    /// <returns>The traces.</returns>
    public IReadOnlyList<IReadOnlyList<StoredSpan>> GetTraces()
    {
        EnforceBounds();
        var order = new SpanOrder(SpanSortField.StartTime, SortDirection.Ascending);
        var traces = new List<IReadOnlyList<StoredSpan>>(TraceCount);
        foreach (var bucket in _evictionQueue)
        {
            var spans = bucket.Snapshot();
            if (spans.Length > 0)
            {
                Array.Sort(spans, order);
                traces.Add(spans);
            }
        }

        return traces;
    }

    /// <summary>Gets a snapshot of every stored span, grouped by trace, oldest trace first.</summary>
    /// <returns>The spans.</returns>
    public IReadOnlyList<StoredSpan> GetSpans()
    {
        EnforceBounds();
        var spans = new List<StoredSpan>(SpanCount);
        foreach (var bucket in _evictionQueue)
        {
            bucket.Visit(ref spans, static (ref List<StoredSpan> list, StoredSpan span) => list.Add(span));
        }

        return spans;
    }

    /// <summary>Searches the stored spans.</summary>
    /// <param name="query">The filters, sort and page.</param>
    /// <returns>One page of matching spans and the total match count.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="SpanQuery.Limit"/> or <see cref="SpanQuery.Offset"/> is out of range.</exception>
    public SpanSearchResult Search(SpanQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit < 1 || query.Limit > SpanQuery.MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, $"SpanQuery.Limit must be between 1 and {SpanQuery.MaxLimit}.");
        }

        if (query.Offset < 0 || query.Offset > SpanQuery.MaxOffset)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Offset, $"SpanQuery.Offset must be between 0 and {SpanQuery.MaxOffset}.");
        }

        EnforceBounds();
        var order = new SpanOrder(query.SortBy, query.Direction);
        var state = new SearchState(query, order, query.Offset + query.Limit);
        if (query.TraceId is not null)
        {
            if (_traces.TryGetValue(query.TraceId, out var bucket))
            {
                bucket.VisitRecords(ref state, SearchState.Visit);
            }
        }
        else
        {
            // Enumerating the dictionary itself is lock-free and, unlike Values, copies nothing.
            foreach (var pair in _traces)
            {
                pair.Value.VisitRecords(ref state, SearchState.Visit);
            }
        }

        var best = new StoredSpan[state.Heap.Count];
        for (var i = best.Length - 1; i >= 0; i--)
        {
            best[i] = state.Heap.Dequeue();
        }

        var page = query.Offset >= best.Length ? [] : best.AsSpan(query.Offset).ToArray();
        return new SpanSearchResult(page, state.Total, query.Offset, query.Limit, SpanQuery.NextOffset(query.Offset, page.Length, state.Total));
    }

    /// <summary>Removes every stored span (counters other than the current counts are kept).</summary>
    public void Clear()
    {
        lock (_evictionLock)
        {
            while (_evictionQueue.TryDequeue(out var bucket))
            {
                RemoveBucket(bucket, countAsEviction: false);
            }
        }
    }

    /// <summary>Encodes a span into a pooled array the caller returns.</summary>
    /// <returns>The array (its first <paramref name="length"/> bytes are the record), or <see langword="null"/> when
    /// the record is too large for a bucket (strings of about 2^30 characters).</returns>
    private static byte[]? Encode(StoredSpan span, out int length)
    {
        // One pass into a buffer that fits all but unusually large spans; those are measured, then written.
        var scratch = ArrayPool<byte>.Shared.Rent(ScratchLength);
        if (SpanRecordCodec.TryWrite(span, scratch, out length))
        {
            return scratch;
        }

        ArrayPool<byte>.Shared.Return(scratch);
        var measured = SpanRecordCodec.Measure(span);
        if (measured > TraceBucket.MaxRecordLength)
        {
            length = 0;
            return null;
        }

        scratch = ArrayPool<byte>.Shared.Rent((int)measured);
        if (SpanRecordCodec.TryWrite(span, scratch, out length))
        {
            return scratch;
        }

        ArrayPool<byte>.Shared.Return(scratch);
        throw new InvalidOperationException(
            "The span's attributes, events or links changed while it was being stored; do not change a span's lists after passing it to SpanStore.Add.");
    }

    /// <summary>Appends an encoded span to its trace's bucket (retrying into a new bucket if that one was just
    /// evicted) and counts it.</summary>
    /// <returns><see langword="false"/> when the trace is at its cap (the span is counted as dropped).</returns>
    private bool AddRecord(string traceId, ReadOnlySpan<byte> record)
    {
        while (true)
        {
            var result = GetOrCreateBucket(traceId).TryAdd(record, _maxSpansPerTrace, ref _spanCount);
            if (result == BucketAddResult.Added)
            {
                Interlocked.Increment(ref _acceptedSpans);
                return true;
            }

            if (result == BucketAddResult.Full)
            {
                Interlocked.Increment(ref _droppedSpans);
                return false;
            }

            // Evicted between lookup and add: the dictionary no longer holds that bucket; retry with a new one.
        }
    }

    private TraceBucket GetOrCreateBucket(string traceId)
    {
        while (true)
        {
            if (_traces.TryGetValue(traceId, out var existing))
            {
                return existing;
            }

            var created = new TraceBucket(traceId, _timeProvider.GetTimestamp());
            if (_traces.TryAdd(traceId, created))
            {
                Interlocked.Increment(ref _traceCount);
                _evictionQueue.Enqueue(created);
                return created;
            }
        }
    }

    private bool IsOverBounds()
    {
        if (Volatile.Read(ref _spanCount) > _maxSpans || Volatile.Read(ref _traceCount) > _maxTraces)
        {
            return true;
        }

        // Elapsed time, not wall-clock time: setting the system clock back would keep every trace past its age (the
        // oldest one, younger by the new clock, holding up the rest), and setting it forward would evict every trace.
        return _evictionQueue.TryPeek(out var oldest) && _timeProvider.GetElapsedTime(oldest.CreatedTimestamp) > _maxAge;
    }

    private void EnforceBounds()
    {
        // Fast path: within bounds, no lock is touched.
        if (!IsOverBounds())
        {
            return;
        }

        EvictOverBounds();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EvictOverBounds()
    {
        // Blocking: a writer that finds the store over its bounds waits for the thread evicting (which may have
        // brought the store back within bounds already) instead of leaving its span over the bound. Leaving early let
        // writers outpace the one evicting thread, and the store grew to many times its bound.
        lock (_evictionLock)
        {
            while (IsOverBounds() && _evictionQueue.TryDequeue(out var oldest))
            {
                RemoveBucket(oldest, countAsEviction: true);
            }
        }
    }

    private void RemoveBucket(TraceBucket bucket, bool countAsEviction)
    {
        _traces.TryRemove(new KeyValuePair<string, TraceBucket>(bucket.TraceId, bucket));
        var removed = bucket.MarkEvicted();
        Interlocked.Add(ref _spanCount, -removed);
        Interlocked.Decrement(ref _traceCount);
        if (countAsEviction)
        {
            Interlocked.Add(ref _evictedSpans, removed);
            Interlocked.Increment(ref _evictedTraces);
        }
    }

    private struct SearchState
    {
        public static readonly RecordVisitor<SearchState> Visit =
            static (ref SearchState state, ReadOnlySpan<byte> record, string traceId, int position) => state.Consider(record, traceId, position);

        private readonly SpanMatcher _matcher;
        private readonly SpanOrder _order;
        private readonly int _keep;

        public SearchState(SpanQuery query, SpanOrder order, int keep)
        {
            _matcher = new SpanMatcher(query);
            _order = order;
            _keep = keep;
            Heap = new PriorityQueue<StoredSpan, RankedSpan>(new ReverseRankOrder(order));
            Total = 0;
        }

        // Max-heap of the best `keep` matches so far: its root is the worst of them. The record's position in its
        // trace is the last key, so spans stored twice with equal ids and sort key still have one place in the order
        // and each appears on exactly one page.
        public PriorityQueue<StoredSpan, RankedSpan> Heap { get; }

        public int Total { get; private set; }

        private void Consider(ReadOnlySpan<byte> record, string traceId, int position)
        {
            // The match and the order read the record in place, so only spans that make the page are decoded.
            var fields = SpanRecordCodec.View(record, traceId);
            if (!_matcher.Matches(fields))
            {
                return;
            }

            Total++;
            if (Heap.Count < _keep)
            {
                var span = SpanRecordCodec.Read(record, traceId);
                Heap.Enqueue(span, new RankedSpan(span, position));
            }
            else if (Heap.TryPeek(out _, out var worst) && _order.Compare(fields, position, worst) < 0)
            {
                var span = SpanRecordCodec.Read(record, traceId);
                Heap.EnqueueDequeue(span, new RankedSpan(span, position));
            }
        }
    }
}
