using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;

namespace Propagation.Collector.Internal;

/// <summary>A batching export processor with a bounded queue whose drops are counted.</summary>
/// <remarks>
/// <para>Why not OpenTelemetry's <c>BatchActivityExportProcessor</c>: it is bounded and drops too, but its dropped
/// count is not public, and the status endpoint must show it. This one keeps the same contract (spec "batching
/// processor", driven by the <c>OTEL_BSP_*</c> values) and reports every span into <see cref="ExportCounters"/>.</para>
/// <para>A request thread only ever does <see cref="OnExport"/>: reserve a slot (one interlocked add), enqueue, and
/// wake the worker when a batch is ready. It never waits for an exporter. The worker exports a full batch at once
/// and anything less after the schedule delay (or on a flush or the shutdown), also when it finishes an export with a
/// partial batch queued. When the queue is full the span is
/// dropped and counted. One dedicated background thread per exporter exports; an exporter that hangs stalls only
/// that thread (its queue fills and further spans are dropped and counted), and flush and shutdown stop waiting for
/// it after their timeout.</para>
/// </remarks>
internal sealed class ExportBatchProcessor : BaseExportProcessor<Activity>
{
    private readonly ConcurrentQueue<Activity> _queue = new();
    private readonly ExportCounters _counters;
    private readonly int _maxBatchSize;
    private readonly int _scheduleDelayMilliseconds;
    private readonly ILogger _logger;
    private readonly AutoResetEvent _wake = new(false);
    private readonly object _progress = new();
    private readonly Thread _worker;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(10);

    /// <summary>How long a shutdown whose budget is spent still waits for a worker that is not exporting to exit.</summary>
    private const int IdleWorkerExitMilliseconds = 200;

    private Activity[] _buffer = [];
    private long _enqueued;
    private long _completed;
    private long _flushTarget;
    private long _reportedDropped;
    private long _lastDropReport;
    private int _unreportedFailedBatches;
    private long _unreportedFailedSpans;
    private Exception? _unreportedException;
    private long _lastFailureReport;
    private long _waits;
    private int _idle;
    private volatile bool _drainRequested;
    private volatile bool _shuttingDown;

    // Whether the worker is inside the exporter's Export (set and cleared by the worker only).
    private volatile bool _exporting;

    public ExportBatchProcessor(BaseExporter<Activity> exporter, ExportCounters counters, int maxBatchSize, TimeSpan scheduleDelay, ILogger logger)
        : base(exporter)
    {
        _counters = counters;
        _maxBatchSize = maxBatchSize;
        _scheduleDelayMilliseconds = (int)Math.Clamp(scheduleDelay.TotalMilliseconds, 1, int.MaxValue);
        _logger = NonThrowingLogger.Wrap(logger);
        _worker = new Thread(Run)
        {
            IsBackground = true,
            Name = "Propagation span export (" + counters.Name + ")",
        };
        // Without the creator's execution context: the thread lives as long as the pipeline, and must neither run the
        // exporter under the span (or other AsyncLocal state) current where the host was built nor keep it alive.
        _worker.UnsafeStart();
    }

    public ExportCounters Counters => _counters;

    /// <summary>Gets a value indicating whether the export thread is still running (tests).</summary>
    internal bool IsWorkerAlive => _worker.IsAlive;

    /// <summary>Gets the length of the export thread's batch buffer (tests: it grows with what is queued, never
    /// beyond the batch size, and is not allocated at the batch size up front).</summary>
    internal int BufferLength => Volatile.Read(ref _buffer).Length;

    /// <summary>Gets how many times the export thread has waited for spans (tests: an idle processor does not wake up).</summary>
    internal long WaitCount => Interlocked.Read(ref _waits);

    protected override void OnExport(Activity data)
    {
        // Runs on the thread that stopped the activity (often a request thread): never block, never throw.
        if (!data.Recorded)
        {
            return;
        }

        if (_shuttingDown)
        {
            _counters.AddDropped(1);
            return;
        }

        var length = _counters.TryReserveSlot();
        if (length < 0)
        {
            return;
        }

        _queue.Enqueue(data);
        Interlocked.Increment(ref _enqueued);
        if (length == _maxBatchSize)
        {
            RequestDrain();
        }
        else if (Volatile.Read(ref _idle) == 1)
        {
            // The worker sleeps until a first span arrives (the enqueue above is a full fence, see Run).
            Signal();
        }
    }

    protected override bool OnForceFlush(int timeoutMilliseconds)
    {
        var started = Stopwatch.GetTimestamp();
        var target = Interlocked.Read(ref _enqueued);
        RaiseFlushTarget(target);
        RequestDrain();
        if (!WaitForCompleted(target, timeoutMilliseconds, started))
        {
            return false;
        }

        return exporter.ForceFlush(Remaining(timeoutMilliseconds, started));
    }

    protected override bool OnShutdown(int timeoutMilliseconds)
    {
        var started = Stopwatch.GetTimestamp();
        _shuttingDown = true;
        Signal();
        var joined = _worker.Join(timeoutMilliseconds == Timeout.Infinite ? Timeout.Infinite : Remaining(timeoutMilliseconds, started));
        if (!joined && !_exporting)
        {
            // The budget is spent (another exporter's flush took it all, or the host gave none), but this worker is not
            // exporting: woken, it exits at once. Waiting briefly for it keeps an idle exporter from being reported as
            // still exporting, and lets its held-back warnings be written.
            joined = _worker.Join(IdleWorkerExitMilliseconds);
        }

        // What the worker did not take (it hangs, or spans raced the shutdown flag) is dropped and counted.
        var dropped = 0;
        while (_queue.TryDequeue(out _))
        {
            dropped++;
        }

        if (dropped > 0)
        {
            _counters.ReleaseSlots(dropped);
            _counters.AddDropped(dropped);
            Interlocked.Add(ref _completed, dropped);
        }

        if (!joined)
        {
            PipelineLog.ExportShutdownTimedOut(_logger, _counters.Name, dropped);
        }
        else
        {
            // The worker has exited (its report state is ours now): what the rate limit held back since the last
            // warnings is reported now, or never.
            ReportDrops(final: true);
            ReportFailures(final: true);
        }

        // Called even when the worker still hangs in Export: shutting the exporter down is how its I/O is cancelled.
        bool exporterShutDown;
        try
        {
            exporterShutDown = exporter.Shutdown(timeoutMilliseconds == Timeout.Infinite ? Timeout.Infinite : Remaining(timeoutMilliseconds, started));
        }
#pragma warning disable CA1031 // A failing exporter must not fail the host's shutdown; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            PipelineLog.ExporterShutdownFailed(_logger, _counters.Name, ex);
            exporterShutDown = false;
        }

        return joined && exporterShutDown;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Normally the provider shut this processor down first and the worker has exited. If not (the provider
            // failed to build), tell the worker to finish; the wake handle is disposed only once no thread uses it.
            _shuttingDown = true;
            Signal();
            if (!_worker.IsAlive)
            {
                _wake.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>Wakes the worker and makes it export what is queued now, without the schedule delay.</summary>
    private void RequestDrain()
    {
        _drainRequested = true;
        Signal();
    }

    private void Signal()
    {
        try
        {
            _wake.Set();
        }
        catch (ObjectDisposedException)
        {
            // Disposed after the worker exited: there is nobody left to wake (a span racing disposal is lost).
        }
    }

    /// <summary>Makes the worker keep exporting, partial batches included, until <paramref name="target"/> spans
    /// are done (a flush's spans never wait for the schedule delay).</summary>
    private void RaiseFlushTarget(long target)
    {
        var current = Interlocked.Read(ref _flushTarget);
        while (current < target)
        {
            var seen = Interlocked.CompareExchange(ref _flushTarget, target, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static int Remaining(int timeoutMilliseconds, long started)
    {
        if (timeoutMilliseconds == Timeout.Infinite)
        {
            return Timeout.Infinite;
        }

        var elapsed = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return (int)Math.Max(0, timeoutMilliseconds - elapsed);
    }

    private bool WaitForCompleted(long target, int timeoutMilliseconds, long started)
    {
        lock (_progress)
        {
            while (Interlocked.Read(ref _completed) < target)
            {
                var remaining = Remaining(timeoutMilliseconds, started);
                if (remaining == 0 || !_worker.IsAlive)
                {
                    return Interlocked.Read(ref _completed) >= target;
                }

                Monitor.Wait(_progress, remaining);
            }
        }

        return true;
    }

    private void Run()
    {
        // Whatever the exporters do (HTTP calls, logging) must not be traced itself.
        using var suppress = SuppressInstrumentationScope.Begin();
        while (true)
        {
            try
            {
                WaitForSpans();
                Drain();
                ReportDrops();
            }
#pragma warning disable CA1031 // An exception escaping a background thread would end the process; nothing can be logged safely here.
            catch (Exception)
#pragma warning restore CA1031
            {
                Array.Clear(_buffer);
            }

            if (_shuttingDown && _queue.IsEmpty)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Sleeps until there is something to export: with an empty queue, until a first span arrives (an idle
    /// processor never wakes up); then for the schedule delay, so that spans leave in batches, unless a full
    /// batch, a flush or the shutdown asks for a drain now.
    /// </summary>
    private void WaitForSpans()
    {
        // Dekker-style handshake with OnExport: the worker publishes "idle" with a full fence before it looks at
        // the queue, and a producer enqueues (a full fence) before it looks at "idle", so a span is never left
        // waiting for a worker that did not see it.
        Interlocked.Exchange(ref _idle, 1);
        if (_queue.IsEmpty && !_drainRequested && !_shuttingDown)
        {
            Interlocked.Increment(ref _waits);
            _wake.WaitOne();
        }

        Interlocked.Exchange(ref _idle, 0);
        if (!_drainRequested && !_shuttingDown)
        {
            Interlocked.Increment(ref _waits);
            _wake.WaitOne(_scheduleDelayMilliseconds);
        }

        _drainRequested = false;
    }

    /// <summary>Whether a rate-limited warning last written at <paramref name="lastReport"/> (0: never) may be written again;
    /// always for the <paramref name="final"/> one, at shutdown.</summary>
    private static bool MayReport(long lastReport, bool final) =>
        final || lastReport == 0 || Stopwatch.GetElapsedTime(lastReport) >= ReportInterval;

    /// <summary>Logs a warning when spans were dropped since the last report, at most once per interval (from the
    /// export thread, never from a request thread): after every exported batch and whenever the queue was drained, and a
    /// <paramref name="final"/> time at shutdown once the export thread has exited.</summary>
    private void ReportDrops(bool final = false)
    {
        // Only the queue's drops: the shutdown reports its own (event 7106), and spans that end after it began are in
        // the pipeline's final counts.
        var dropped = _counters.QueueFullDropped;
        if (dropped == _reportedDropped
            || !MayReport(_lastDropReport, final))
        {
            return;
        }

        PipelineLog.SpansDropped(_logger, _counters.Name, dropped - _reportedDropped, dropped);
        _reportedDropped = dropped;
        _lastDropReport = Stopwatch.GetTimestamp();
    }

    private void Drain()
    {
        while (true)
        {
            var buffer = BufferFor(_counters.QueueLength);
            var count = 0;
            while (count < buffer.Length && _queue.TryDequeue(out var activity))
            {
                buffer[count++] = activity;
            }

            if (count == 0)
            {
                return;
            }

            _counters.ReleaseSlots(count);
            Export(buffer, count);
            Array.Clear(buffer, 0, count);
            Interlocked.Add(ref _completed, count);
            lock (_progress)
            {
                Monitor.PulseAll(_progress);
            }

            // Under constant overload the queue never empties and this loop never ends: report drops from here too
            // (rate-limited), not only once the queue is empty.
            ReportDrops();

            // Spans that arrived during the export go on now only as a full batch (or for a flush or the shutdown);
            // fewer wait for the schedule delay. Exporting them at once turned every full batch under steady load
            // into a trail of tiny batches, one OTLP request each.
            if (!_shuttingDown
                && _counters.QueueLength < _maxBatchSize
                && Interlocked.Read(ref _completed) >= Interlocked.Read(ref _flushTarget))
            {
                return;
            }
        }
    }

    /// <summary>The batch buffer, grown (doubling, at most to the batch size) when more spans are queued than it
    /// holds: a large configured batch size costs memory only once that many spans are actually waiting.</summary>
    private Activity[] BufferFor(int queued)
    {
        var buffer = _buffer;
        var wanted = Math.Min(_maxBatchSize, Math.Max(queued, 1));
        if (buffer.Length < wanted)
        {
            var length = (int)Math.Min(_maxBatchSize, Math.Max(wanted, Math.Max(16L, buffer.Length * 2L)));
            buffer = new Activity[length];
            Volatile.Write(ref _buffer, buffer);
        }

        return buffer;
    }

    private void Export(Activity[] buffer, int count)
    {
        var started = Stopwatch.GetTimestamp();
        _counters.ExportStarting();
        bool success;
        _exporting = true;
        try
        {
            var batch = new Batch<Activity>(buffer, count);
            success = exporter.Export(in batch) == ExportResult.Success;
        }
#pragma warning disable CA1031 // An exporter that throws is a failed batch, counted and logged; the worker goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _unreportedException = ex;
            success = false;
        }
        finally
        {
            _exporting = false;
        }

        var timedOut = Stopwatch.GetElapsedTime(started) > _counters.ExportTimeout;
        _counters.ExportFinished(count, success, timedOut);
        if (!success)
        {
            _unreportedFailedBatches++;
            _unreportedFailedSpans += count;
        }

        ReportFailures();
    }

    /// <summary>
    /// Logs failed batches (and the last exception an exporter threw) at once for the first failure, then at most once
    /// per interval with what failed since (from the export thread): an endpoint that is down fails every batch, and a
    /// warning per batch would flood the app's logs under load. Every failure is counted either way, and reported by a
    /// <paramref name="final"/> warning at shutdown at the latest.
    /// </summary>
    private void ReportFailures(bool final = false)
    {
        if (_unreportedFailedBatches == 0
            || !MayReport(_lastFailureReport, final))
        {
            return;
        }

        if (_unreportedException is { } exception)
        {
            PipelineLog.ExportThrew(_logger, _counters.Name, exception);
        }

        PipelineLog.ExportFailed(_logger, _counters.Name, _unreportedFailedBatches, _unreportedFailedSpans, _counters.FailedSpans);
        _unreportedFailedBatches = 0;
        _unreportedFailedSpans = 0;
        _unreportedException = null;
        _lastFailureReport = Stopwatch.GetTimestamp();
    }
}
