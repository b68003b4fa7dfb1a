using System.Buffers.Binary;
using System.Diagnostics;

namespace Propagation.Collector.Internal;

/// <summary>The spans of one trace, guarded by a lock of their own (never a store-wide lock).</summary>
/// <remarks>
/// The spans are kept as records of <see cref="SpanRecordCodec"/> appended to one growable byte array, each after
/// its int32 little-endian length, so a trace costs the GC one object however many spans it has. Bytes before
/// <c>_length</c> are never written again: the array only grows by copying into a new one (and eviction drops it),
/// so a reader takes the array and its length under the lock and decodes them after releasing it.
/// </remarks>
internal sealed class TraceBucket
{
    /// <summary>The largest record a bucket can take (its length prefix included, it must fit in one array).</summary>
    public static readonly int MaxRecordLength = Array.MaxLength - sizeof(int);

    private const int InitialCapacity = 512;

    private readonly Lock _lock = new();
    private byte[] _buffer = [];
    private int _length;
    private int _count;
    private bool _evicted;

    public TraceBucket(string traceId, DateTimeOffset createdAt)
    {
        TraceId = traceId;
        CreatedAt = createdAt;
    }

    /// <summary>Gets the trace id: the store's key for this bucket, and the trace id of every span read from it.</summary>
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
            _buffer = [];
            _length = 0;
            _count = 0;
            return count;
        }
    }

    /// <summary>Decodes every span into new objects.</summary>
    public StoredSpan[] Snapshot()
    {
        var records = Capture();
        var spans = new StoredSpan[records.Count];
        for (var i = 0; i < spans.Length; i++)
        {
            spans[i] = records.ReadNext(TraceId);
        }

        records.AssertAtEnd();
        return spans;
    }

    /// <summary>Decodes each span into a new object and calls <paramref name="visitor"/> with it, without holding the
    /// lock (the records read are immutable).</summary>
    public void Visit<TState>(ref TState state, SpanVisitor<TState> visitor)
    {
        var records = Capture();
        for (var i = 0; i < records.Count; i++)
        {
            visitor(ref state, records.ReadNext(TraceId));
        }

        records.AssertAtEnd();
    }

    private RecordCursor Capture()
    {
        lock (_lock)
        {
            return new RecordCursor(_buffer, _length, _count);
        }
    }

    private void Grow(int required)
    {
        var doubled = Math.Max(InitialCapacity, (long)_buffer.Length * 2);
        var capacity = (int)Math.Max(required, Math.Min(doubled, Array.MaxLength));

        // Only the first _length bytes are ever read, so the new array need not be zeroed.
        var grown = GC.AllocateUninitializedArray<byte>(capacity);
        _buffer.AsSpan(0, _length).CopyTo(grown);
        _buffer = grown;
    }

    /// <summary>Walks the records of a captured (array, length, count); the bytes it reads never change.</summary>
    private struct RecordCursor(byte[] buffer, int length, int count)
    {
        private int _position;

        public readonly int Count => count;

        public StoredSpan ReadNext(string traceId)
        {
            var recordLength = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(_position));
            var span = SpanRecordCodec.Read(buffer.AsSpan(_position + sizeof(int), recordLength), traceId);
            _position += sizeof(int) + recordLength;
            return span;
        }

        [Conditional("DEBUG")]
        public readonly void AssertAtEnd() => Debug.Assert(_position == length, "Every record of the bucket is read.");
    }
}

internal delegate void SpanVisitor<TState>(ref TState state, StoredSpan span);

internal enum BucketAddResult
{
    Added,
    Full,
    Evicted,
}
