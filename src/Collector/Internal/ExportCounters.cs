using System.Diagnostics;

namespace Propagation.Collector.Internal;

/// <summary>The live counters of one exporter; updated by its <see cref="ExportBatchProcessor"/>, read by
/// <see cref="ExportStatistics"/>.</summary>
internal sealed class ExportCounters
{
    private readonly TimeProvider _timeProvider;
    private long _exported;
    private long _dropped;
    private long _queueFullDropped;
    private long _failedSpans;
    private long _failedBatches;
    private long _timedOutBatches;
    private long _lastFailureTicks;
    private long _exportStartedTimestamp;
    private int _queueLength;

    public ExportCounters(string name, int maxQueueSize, TimeSpan exportTimeout, TimeProvider? timeProvider = null)
    {
        Name = name;
        MaxQueueSize = maxQueueSize;
        ExportTimeout = exportTimeout;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    public string Name { get; }

    public int MaxQueueSize { get; }

    public TimeSpan ExportTimeout { get; }

    public long Exported => Interlocked.Read(ref _exported);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Gets the spans dropped because the queue was full (part of <see cref="Dropped"/>; the rest were dropped by the shutdown).</summary>
    public long QueueFullDropped => Interlocked.Read(ref _queueFullDropped);

    public long FailedSpans => Interlocked.Read(ref _failedSpans);

    public long FailedBatches => Interlocked.Read(ref _failedBatches);

    public long TimedOutBatches => Interlocked.Read(ref _timedOutBatches);

    public int QueueLength => Volatile.Read(ref _queueLength);

    /// <summary>Reserves a queue slot: the queue length including it, or -1 (counted as dropped) when the queue is full.</summary>
    public int TryReserveSlot()
    {
        var length = Interlocked.Increment(ref _queueLength);
        if (length > MaxQueueSize)
        {
            Interlocked.Decrement(ref _queueLength);
            Interlocked.Increment(ref _dropped);
            Interlocked.Increment(ref _queueFullDropped);
            return -1;
        }

        return length;
    }

    public void ReleaseSlots(int count) => Interlocked.Add(ref _queueLength, -count);

    public void AddDropped(long count) => Interlocked.Add(ref _dropped, count);

    public void ExportStarting() => Volatile.Write(ref _exportStartedTimestamp, Stopwatch.GetTimestamp());

    public void ExportFinished(int count, bool success, bool timedOut)
    {
        Volatile.Write(ref _exportStartedTimestamp, 0);
        if (success)
        {
            Interlocked.Add(ref _exported, count);
        }
        else
        {
            Interlocked.Add(ref _failedSpans, count);
            Interlocked.Increment(ref _failedBatches);
        }

        if (timedOut)
        {
            Interlocked.Increment(ref _timedOutBatches);
        }

        if (!success || timedOut)
        {
            Volatile.Write(ref _lastFailureTicks, _timeProvider.GetUtcNow().UtcTicks);
        }
    }

    public bool IsStalled
    {
        get
        {
            var started = Volatile.Read(ref _exportStartedTimestamp);
            return started != 0 && Stopwatch.GetElapsedTime(started) > ExportTimeout;
        }
    }

    /// <summary>Gets the time of the last failed or timed-out export, or <see langword="null"/>.</summary>
    public DateTimeOffset? LastFailure
    {
        get
        {
            var ticks = Volatile.Read(ref _lastFailureTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    public ExporterStatus Snapshot() => new()
    {
        Name = Name,
        ExportedSpans = Exported,
        DroppedSpans = Dropped,
        FailedSpans = FailedSpans,
        QueueLength = Math.Max(0, QueueLength),
        IsStalled = IsStalled,
    };
}
