using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace Propagation.Collector.Internal;

/// <summary>The spans of one trace, guarded by a lock of their own (never a store-wide lock).</summary>
/// <remarks>
/// <para>The spans are kept as records of <see cref="SpanRecordCodec"/> appended to one growable byte array, each after
/// its int32 little-endian length, so a trace costs the GC one object however many spans it has.</para>
/// <para>The array comes from <see cref="ArrayPool{T}.Shared"/> (sizes are powers of two, so growing doubles it) and
/// goes back there when the bucket outgrows it or is evicted: the arrays a trace leaves behind as it grows, and
/// those of evicted traces, are reused for new traces instead of being garbage. No one touches the array outside
/// the lock: readers that decode every span copy the bytes in use into a pooled array of their own under the lock
/// and decode after releasing it, so they do not hold up adds for the time it takes to decode; a search visits the
/// records in place under the lock, since it reads them without decoding.</para>
/// </remarks>
internal sealed class TraceBucket
{
    /// <summary>The largest record a bucket can take (its length prefix included, it must fit in one array).</summary>
    public static readonly int MaxRecordLength = Array.MaxLength - sizeof(int);

    private readonly Lock _lock = new();
    private byte[] _buffer = [];
    private int _length;
    private int _count;
    private bool _evicted;

    public TraceBucket(string traceId, long createdTimestamp)
    {
        TraceId = traceId;
        CreatedTimestamp = createdTimestamp;
    }

    /// <summary>Gets the trace id: the store's key for this bucket, and the trace id of every span read from it.</summary>
    public string TraceId { get; }

    /// <summary>When the first span of the trace was stored: the store clock's monotonic timestamp
    /// (<see cref="TimeProvider.GetTimestamp"/>), from which the age bound is measured.</summary>
    public long CreatedTimestamp { get; }

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

    /// <summary>Gets the size of the bucket's array in bytes (its capacity, not the bytes in use).</summary>
    public int Capacity
    {
        get
        {
            lock (_lock)
            {
                return _buffer.Length;
            }
        }
    }

    /// <summary>Appends a span's record unless the bucket was evicted or is full; bumps the store's span counter
    /// inside the lock.</summary>
    /// <param name="record">The span's record (<see cref="SpanRecordCodec.TryWrite"/>), at most
    /// <see cref="MaxRecordLength"/> bytes.</param>
    /// <param name="maxSpans">The per-trace cap.</param>
    /// <param name="storeSpanCount">The store's span counter.</param>
    public BucketAddResult TryAdd(ReadOnlySpan<byte> record, int maxSpans, ref int storeSpanCount)
    {
        Debug.Assert(record.Length <= MaxRecordLength, "The store drops spans whose record cannot fit.");
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

            var required = (long)_length + sizeof(int) + record.Length;
            if (required > Array.MaxLength)
            {
                // The one array a trace has is full (only spans of enormous strings get here).
                return BucketAddResult.Full;
            }

            if (required > _buffer.Length)
            {
                Grow((int)required);
            }

            BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_length), record.Length);
            record.CopyTo(_buffer.AsSpan(_length + sizeof(int)));
            _length = (int)required;
            _count++;
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
            ReturnBuffer();
            _length = 0;
            _count = 0;
            return count;
        }
    }

    /// <summary>Decodes every span into new objects.</summary>
    public StoredSpan[] Snapshot()
    {
        var records = Capture();
        try
        {
            var spans = new StoredSpan[records.Count];
            for (var i = 0; i < spans.Length; i++)
            {
                spans[i] = records.ReadNext(TraceId);
            }

            records.AssertAtEnd();
            return spans;
        }
        finally
        {
            records.Release();
        }
    }

    /// <summary>Decodes each span into a new object and calls <paramref name="visitor"/> with it, without holding the
    /// lock (it reads a copy of the records).</summary>
    public void Visit<TState>(ref TState state, SpanVisitor<TState> visitor)
    {
        var records = Capture();
        try
        {
            for (var i = 0; i < records.Count; i++)
            {
                visitor(ref state, records.ReadNext(TraceId));
            }

            records.AssertAtEnd();
        }
        finally
        {
            records.Release();
        }
    }

    /// <summary>Calls <paramref name="visitor"/> with each encoded span, this bucket's trace id and the record's
    /// position in the bucket (0 for the first span stored; records are only appended, so a record keeps its position
    /// until the trace is evicted) under the lock: the record is valid only during the call, and the visitor must be
    /// short and must not touch the store.</summary>
    public void VisitRecords<TState>(ref TState state, RecordVisitor<TState> visitor)
    {
        // In place, under the lock: copying every trace's bytes cost a search more than reading them, and the
        // search's visitor is short (it reads records in place and decodes only the spans that make its page).
        lock (_lock)
        {
            var records = new RecordCursor(_buffer, _length, _count);
            for (var i = 0; i < records.Count; i++)
            {
                visitor(ref state, records.Next(), TraceId, i);
            }

            records.AssertAtEnd();
        }
    }

    /// <summary>Copies the records into a pooled array under the lock (the bucket's own array may go back to the
    /// pool as soon as the lock is released).</summary>
    private RecordCursor Capture()
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                return default;
            }

            var copy = ArrayPool<byte>.Shared.Rent(_length);
            _buffer.AsSpan(0, _length).CopyTo(copy);
            return new RecordCursor(copy, _length, _count);
        }
    }

    private void Grow(int required)
    {
        // Rent rounds up to a power of two: a bucket grows by doubling, from its first record's size up.
        var capacity = (int)Math.Max(required, Math.Min((long)_buffer.Length * 2, Array.MaxLength));
        var grown = ArrayPool<byte>.Shared.Rent(capacity);
        _buffer.AsSpan(0, _length).CopyTo(grown);
        ReturnBuffer();
        _buffer = grown;
    }

    /// <summary>Gives the bucket's array back to the pool (called under the lock, once per array).</summary>
    private void ReturnBuffer()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = [];
    }

    /// <summary>Walks the records of a pooled copy of a bucket's bytes; <see cref="Release"/> returns the copy.</summary>
    private struct RecordCursor(byte[] copy, int length, int count)
    {
        private int _position;

        public readonly int Count => count;

        public StoredSpan ReadNext(string traceId) => SpanRecordCodec.Read(Next(), traceId);

        public ReadOnlySpan<byte> Next()
        {
            var recordLength = BinaryPrimitives.ReadInt32LittleEndian(copy.AsSpan(_position));
            var record = copy.AsSpan(_position + sizeof(int), recordLength);
            _position += sizeof(int) + recordLength;
            return record;
        }

        public readonly void Release()
        {
            if (copy is not null)
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }

        [Conditional("DEBUG")]
        public readonly void AssertAtEnd() => Debug.Assert(_position == length, "Every record of the bucket is read.");
    }
}

internal delegate void SpanVisitor<TState>(ref TState state, StoredSpan span);

internal delegate void RecordVisitor<TState>(ref TState state, ReadOnlySpan<byte> record, string traceId, int position);

internal enum BucketAddResult
{
    Added,
    Full,
    Evicted,
}
