using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using Propagation.Collector.Internal;
using Propagation.Testing;

namespace Propagation.Collector.Tests.Pipeline;

public class ExportBatchProcessorTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OnEnd_ExporterHangs_QueueFillsThenSpansAreDroppedAndCounted()
    {
        var exporter = new BlockingExporter();
        var counters = new ExportCounters("blocking", maxQueueSize: 4, exportTimeout: TimeSpan.FromMilliseconds(20));
        var processor = new ExportBatchProcessor(exporter, counters, maxBatchSize: 2, TimeSpan.FromMilliseconds(10), NullLogger.Instance);
        try
        {
            processor.OnEnd(NewRecordedActivity("first"));
            Assert.True(exporter.WaitUntilExporting(Bound), "the worker never called the exporter");

            // The worker is stuck in Export: four spans fit in the queue, the other six are dropped, and no call blocks.
            await Task.Run(() =>
            {
                for (var i = 0; i < 10; i++)
                {
                    processor.OnEnd(NewRecordedActivity("span" + i));
                }
            }).WaitAsync(Bound);

            Assert.Equal(6, counters.Dropped);
            Assert.Equal(4, counters.QueueLength);
            Assert.True(SpinWait.SpinUntil(() => counters.IsStalled, Bound), "a hung export was never reported as stalled");

            // Shutdown gives up on the hung export after its timeout; what is still queued is dropped and counted.
            var shutDown = await Task.Run(() => processor.Shutdown(50)).WaitAsync(Bound);

            Assert.False(shutDown);
            Assert.Equal(10, counters.Dropped);
            Assert.Equal(0, counters.QueueLength);
            processor.OnEnd(NewRecordedActivity("after-shutdown"));
            Assert.Equal(11, counters.Dropped);
            Assert.True(counters.Snapshot().IsStalled);
        }
        finally
        {
            exporter.Release();
            processor.Dispose();
        }
    }

    [Fact]
    public async Task Shutdown_ExporterHangs_ShutdownDropsAreReportedByTheTimeoutWarningNotAsAFullQueue()
    {
        // Arrange: six spans dropped by a full queue while the export hangs, then four queued spans dropped by a
        // shutdown that times out, and one span that ends after it.
        var logs = new RecordingLoggerProvider();
        var exporter = new BlockingExporter();
        var counters = new ExportCounters("blocking", maxQueueSize: 4, exportTimeout: TimeSpan.FromMilliseconds(20));
        var processor = new ExportBatchProcessor(exporter, counters, maxBatchSize: 2, TimeSpan.FromMilliseconds(10), logs.CreateLogger("pipeline"));
        try
        {
            processor.OnEnd(NewRecordedActivity("first"));
            Assert.True(exporter.WaitUntilExporting(Bound), "the worker never called the exporter");
            for (var i = 0; i < 10; i++)
            {
                processor.OnEnd(NewRecordedActivity("span" + i));
            }

            // Act
            Assert.False(await Task.Run(() => processor.Shutdown(50)).WaitAsync(Bound));
            processor.OnEnd(NewRecordedActivity("after-shutdown"));
            exporter.Release();
            Assert.True(SpinWait.SpinUntil(() => !processor.IsWorkerAlive, Bound), "the export thread did not end");

            // Assert: the released worker reports the queue's drops only; the shutdown's are in its own warning.
            Assert.Equal(11, counters.Dropped);
            var timedOut = Assert.Single(logs.Entries, e => e.EventId.Id == 7106);
            Assert.Equal(4, timedOut.State.Single(kv => kv.Key == "Dropped").Value);
            var queueFull = logs.Entries.Where(e => e.EventId.Id == 7109).ToList();
            Assert.NotEmpty(queueFull);
            Assert.All(queueFull, e => Assert.Equal(6L, e.State.Single(kv => kv.Key == "Total").Value));
        }
        finally
        {
            exporter.Release();
            processor.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ForceFlush_EveryBatchFails_FirstFailureLoggedThenRateLimited(bool throws)
    {
        // Arrange
        var logs = new RecordingLoggerProvider();
        BaseExporter<Activity> exporter = throws ? new ThrowingExporter() : new FailingExporter();
        var counters = new ExportCounters("failing", 64, TimeSpan.FromSeconds(1));
        using var processor = new ExportBatchProcessor(exporter, counters, 2, TimeSpan.FromHours(1), logs.CreateLogger("pipeline"));

        // Act: five batches, each exported by a flush, all failing within the report interval.
        for (var i = 0; i < 5; i++)
        {
            processor.OnEnd(NewRecordedActivity("span" + i));
            Assert.True(processor.ForceFlush(30_000));
        }

        // Assert: every failure is counted; one warning (the first batch), not one per batch.
        Assert.Equal(5, counters.FailedBatches);
        var failed = Assert.Single(logs.Entries, e => e.EventId.Id == 7104);
        Assert.Equal(1, failed.State.Single(kv => kv.Key == "Batches").Value);
        Assert.Equal(throws ? 1 : 0, logs.Entries.Count(e => e.EventId.Id == 7105));
    }

    [Theory]
    [InlineData(30_000)]
    [InlineData(0)]
    public void Shutdown_FailuresHeldBackByTheRateLimit_ReportedByAFinalWarning(int shutdownTimeoutMilliseconds)
    {
        // Arrange: three failing batches within the report interval; the first is reported at once, the others wait. Then
        // an idle worker; a shutdown of 0 ms is one whose budget another exporter's final flush spent.
        var logs = new RecordingLoggerProvider();
        var counters = new ExportCounters("failing", 64, TimeSpan.FromSeconds(1));
        using var processor = new ExportBatchProcessor(new FailingExporter(), counters, 2, TimeSpan.FromHours(1), logs.CreateLogger("pipeline"));
        for (var i = 0; i < 3; i++)
        {
            processor.OnEnd(NewRecordedActivity("span" + i));
            Assert.True(processor.ForceFlush(30_000));
        }

        Assert.Single(logs.Entries, e => e.EventId.Id == 7104);

        // Act
        processor.Shutdown(shutdownTimeoutMilliseconds);

        // Assert: a second warning with the two batches held back; together the warnings name every failed batch. The
        // worker, only waiting, ended and is not reported as still exporting, whatever time the shutdown had.
        var warnings = logs.Entries.Where(e => e.EventId.Id == 7104).ToList();
        Assert.Equal([1, 2], warnings.Select(w => (int)w.State.Single(kv => kv.Key == "Batches").Value!));
        Assert.Equal(3, counters.FailedBatches);
        Assert.DoesNotContain(logs.Entries, e => e.EventId.Id == 7106);
        Assert.False(processor.IsWorkerAlive);
    }

    [Fact]
    public async Task Shutdown_DropsHeldBackByTheRateLimit_ReportedByAFinalWarning()
    {
        // Arrange: a queue of two, one export at a time; spans dropped while the first export waits are reported
        // when it ends, spans dropped while the second waits fall within the report interval.
        var logs = new RecordingLoggerProvider();
        var exporter = new GatedExporter();
        var counters = new ExportCounters("gated", maxQueueSize: 2, exportTimeout: TimeSpan.FromSeconds(5));
        using var processor = new ExportBatchProcessor(exporter, counters, 1, TimeSpan.FromMilliseconds(10), logs.CreateLogger("pipeline"));
        processor.OnEnd(NewRecordedActivity("first"));
        Assert.True(exporter.WaitForExports(1, Bound), "the worker never called the exporter");
        await Task.Run(() => EndSpans(processor, 5)).WaitAsync(Bound);
        exporter.Allow(1);
        Assert.True(SpinWait.SpinUntil(() => logs.Entries.Any(e => e.EventId.Id == 7109), Bound), "no warning about the first drops");
        Assert.True(exporter.WaitForExports(2, Bound), "the worker never exported the queued spans");
        await Task.Run(() => EndSpans(processor, 5)).WaitAsync(Bound);
        var dropped = counters.Dropped;

        // Act
        exporter.Allow(100);
        Assert.True(processor.Shutdown(30_000));

        // Assert: the warnings together name every span the full queue dropped.
        var warnings = logs.Entries.Where(e => e.EventId.Id == 7109).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Equal(dropped, warnings.Sum(w => (long)w.State.Single(kv => kv.Key == "Dropped").Value!));
        Assert.Equal(dropped, (long)warnings[^1].State.Single(kv => kv.Key == "Total").Value!);
    }

    [Fact]
    public void ForceFlush_FailureWarningThrows_ThisFlushAndLaterOnesComplete()
    {
        // Arrange: the logging provider fails (a full disk) while the first batch fails, so writing warning 7104 throws;
        // then it works again.
        var logs = new FailingLoggerProvider { Failing = true };
        var counters = new ExportCounters("failing", 64, TimeSpan.FromSeconds(1));
        using var processor = new ExportBatchProcessor(new FailingExporter(), counters, 2, TimeSpan.FromHours(1), logs.CreateLogger("pipeline"));

        // Act
        processor.OnEnd(NewRecordedActivity("while-logging-fails"));
        var first = processor.ForceFlush(10_000);
        logs.Failing = false;
        processor.OnEnd(NewRecordedActivity("after"));
        var second = processor.ForceFlush(10_000);

        // Assert: each flush saw its batch done; the warning was lost, not the pipeline's bookkeeping.
        Assert.True(first);
        Assert.True(second);
        Assert.Equal(2, counters.FailedBatches);
    }

    [Fact]
    public async Task ForceFlush_ExporterHangs_ReturnsFalseAfterTimeout()
    {
        var exporter = new BlockingExporter();
        var counters = new ExportCounters("blocking", 16, TimeSpan.FromSeconds(1));
        var processor = new ExportBatchProcessor(exporter, counters, 4, TimeSpan.FromHours(1), NullLogger.Instance);
        try
        {
            processor.OnEnd(NewRecordedActivity("span"));

            var flushed = await Task.Run(() => processor.ForceFlush(50)).WaitAsync(Bound);

            Assert.False(flushed);
            Assert.True(exporter.WaitUntilExporting(Bound));
        }
        finally
        {
            exporter.Release();
            processor.Shutdown(5000);
            processor.Dispose();
        }
    }

    [Fact]
    public void ForceFlush_QueuedSpans_ExportedAndCounted()
    {
        var exporter = new RecordingExporter();
        var counters = new ExportCounters("recording", 100, TimeSpan.FromSeconds(5));
        using var processor = new ExportBatchProcessor(exporter, counters, 2, TimeSpan.FromHours(1), NullLogger.Instance);

        for (var i = 0; i < 5; i++)
        {
            processor.OnEnd(NewRecordedActivity("span" + i));
        }

        Assert.True(processor.ForceFlush(30_000));
        Assert.Equal(5, exporter.Spans.Count);
        Assert.Equal(5, counters.Exported);
        Assert.Equal(0, counters.Dropped);
        Assert.Equal(0, counters.QueueLength);
        Assert.Null(counters.LastFailure);
    }

    [Fact]
    public void ForceFlush_LargeBatchSizeFewSpans_BufferSizedToWhatIsQueued()
    {
        var exporter = new RecordingExporter();
        var counters = new ExportCounters("recording", 1_000_000, TimeSpan.FromSeconds(5));
        using var processor = new ExportBatchProcessor(exporter, counters, maxBatchSize: 1_000_000, TimeSpan.FromHours(1), NullLogger.Instance);

        for (var i = 0; i < 3; i++)
        {
            processor.OnEnd(NewRecordedActivity("span" + i));
        }

        Assert.True(processor.ForceFlush(30_000));
        Assert.Equal(3, exporter.Spans.Count);
        Assert.InRange(processor.BufferLength, 1, 64);
    }

    [Fact]
    public void OnEnd_FullBatch_ExportedWithoutWaitingForScheduleDelay()
    {
        var exporter = new RecordingExporter();
        var counters = new ExportCounters("recording", 100, TimeSpan.FromSeconds(5));
        using var processor = new ExportBatchProcessor(exporter, counters, 3, TimeSpan.FromHours(1), NullLogger.Instance);

        for (var i = 0; i < 3; i++)
        {
            processor.OnEnd(NewRecordedActivity("span" + i));
        }

        Assert.True(SpinWait.SpinUntil(() => counters.Exported == 3, Bound));
    }

    [Fact]
    public void OnEnd_SpansArriveDuringExportOfFullBatch_PartialBatchWaitsForScheduleDelay()
    {
        // Arrange: a full batch wakes the worker, which is held inside Export while one more span arrives. The first
        // span wakes the idle worker; the batch is completed only once it waits for the schedule delay, so no wake-up
        // is left pending.
        var exporter = new GatedExporter();
        var counters = new ExportCounters("gated", 100, TimeSpan.FromSeconds(5));
        var processor = new ExportBatchProcessor(exporter, counters, 3, TimeSpan.FromHours(1), NullLogger.Instance);
        try
        {
            Assert.True(SpinWait.SpinUntil(() => processor.WaitCount == 1, Bound), "the worker never started waiting");
            processor.OnEnd(NewRecordedActivity("full0"));
            Assert.True(SpinWait.SpinUntil(() => processor.WaitCount == 2, Bound), "the first span did not wake the worker");
            processor.OnEnd(NewRecordedActivity("full1"));
            processor.OnEnd(NewRecordedActivity("full2"));
            Assert.True(exporter.WaitForExports(1, Bound), "a full batch was never exported");
            processor.OnEnd(NewRecordedActivity("late"));
            var waitsDuringExport = processor.WaitCount;

            // Act: the full batch's export finishes.
            exporter.Allow(1);

            // Assert: the one late span is not a batch of its own right away (under steady load that turned every
            // full batch into a trail of tiny ones, an OTLP request each); it waits for the schedule delay.
            Assert.True(
                SpinWait.SpinUntil(() => processor.WaitCount > waitsDuringExport || exporter.Started > 1, Bound),
                "the worker neither waited nor exported again");
            Assert.Equal(1, exporter.Started);
            Assert.Equal(1, counters.QueueLength);

            // A flush still exports it at once.
            exporter.Allow(1);
            Assert.True(processor.ForceFlush(30_000));
            Assert.Equal(4, counters.Exported);
        }
        finally
        {
            exporter.Allow(100);
            processor.Shutdown(30_000);
            processor.Dispose();
        }
    }

    [Fact]
    public async Task OnEnd_IdleProcessor_SleepsUntilAFirstSpanThenExportsItAfterTheDelay()
    {
        var exporter = new RecordingExporter();
        var counters = new ExportCounters("recording", 100, TimeSpan.FromSeconds(5));
        using var processor = new ExportBatchProcessor(exporter, counters, 512, TimeSpan.FromMilliseconds(5), NullLogger.Instance);
        Assert.True(SpinWait.SpinUntil(() => processor.WaitCount == 1, Bound), "the worker never started waiting");

        // Idle: with a 5 ms schedule delay a polling worker would wake about 40 times here; this one stays asleep.
        await Task.Delay(200);
        Assert.Equal(1, processor.WaitCount);

        processor.OnEnd(NewRecordedActivity("first"));
        Assert.True(SpinWait.SpinUntil(() => counters.Exported == 1, Bound), "a span that woke the worker was never exported");

        // After the export it goes back to sleep (one idle wait and one schedule-delay wait per batch).
        Assert.True(SpinWait.SpinUntil(() => processor.WaitCount == 3, Bound));
        await Task.Delay(100);
        Assert.Equal(3, processor.WaitCount);
        Assert.Single(exporter.Spans);
    }

    [Fact]
    public void ForceFlush_WorkerIdle_ExportsWithoutWaitingForScheduleDelay()
    {
        var exporter = new RecordingExporter();
        var counters = new ExportCounters("recording", 100, TimeSpan.FromSeconds(5));
        using var processor = new ExportBatchProcessor(exporter, counters, 512, TimeSpan.FromHours(1), NullLogger.Instance);
        Assert.True(SpinWait.SpinUntil(() => processor.WaitCount == 1, Bound), "the worker never started waiting");

        // The span wakes the idle worker, which then waits up to an hour for more; the flush cuts that short.
        processor.OnEnd(NewRecordedActivity("only"));
        var flushed = processor.ForceFlush(30_000);

        Assert.True(flushed);
        Assert.Equal(1, counters.Exported);
    }

    [Fact]
    public void OnEnd_ExporterFails_FailedSpansAndBatchesCounted()
    {
        var counters = new ExportCounters("failing", 100, TimeSpan.FromSeconds(5));
        using var processor = new ExportBatchProcessor(new FailingExporter(), counters, 10, TimeSpan.FromHours(1), NullLogger.Instance);

        for (var i = 0; i < 3; i++)
        {
            processor.OnEnd(NewRecordedActivity("span" + i));
        }

        processor.ForceFlush(30_000);
        var snapshot = counters.Snapshot();

        Assert.Equal(0, snapshot.ExportedSpans);
        Assert.Equal(3, snapshot.FailedSpans);

        // The first span wakes the worker: it may export spans one by one before the others are queued.
        Assert.InRange(counters.FailedBatches, 1, 3);
        Assert.NotNull(counters.LastFailure);
    }

    [Fact]
    public void OnEnd_ExporterThrows_CountedAsFailedAndWorkerContinues()
    {
        var counters = new ExportCounters("throwing", 100, TimeSpan.FromSeconds(5));
        var exporter = new ThrowOnceExporter();
        using var processor = new ExportBatchProcessor(exporter, counters, 10, TimeSpan.FromHours(1), NullLogger.Instance);

        processor.OnEnd(NewRecordedActivity("first"));
        processor.ForceFlush(30_000);
        processor.OnEnd(NewRecordedActivity("second"));
        processor.ForceFlush(30_000);

        Assert.Equal(1, counters.FailedSpans);
        Assert.Equal(1, counters.Exported);
    }

    [Fact]
    public void OnEnd_UnsampledActivity_Ignored()
    {
        var exporter = new RecordingExporter();
        var counters = new ExportCounters("recording", 100, TimeSpan.FromSeconds(5));
        using var processor = new ExportBatchProcessor(exporter, counters, 10, TimeSpan.FromHours(1), NullLogger.Instance);
        var unsampled = new Activity("unsampled");
        unsampled.Start().Stop();

        processor.OnEnd(unsampled);
        processor.ForceFlush(30_000);

        Assert.Empty(exporter.Spans);
        Assert.Equal(0, counters.Dropped);
    }

    [Fact]
    public void Shutdown_QueuedSpans_ExportedBeforeExporterShutdown()
    {
        var exporter = new RecordingExporter();
        var counters = new ExportCounters("recording", 100, TimeSpan.FromSeconds(5));
        using var processor = new ExportBatchProcessor(exporter, counters, 10, TimeSpan.FromHours(1), NullLogger.Instance);
        processor.OnEnd(NewRecordedActivity("queued"));

        Assert.True(processor.Shutdown(30_000));
        Assert.Single(exporter.Spans);
        Assert.Equal(1, exporter.ShutdownCalls);
    }

    [Fact]
    public async Task OnEnd_DropsWhileExporterWasStuck_WarningLoggedOnceItResumes()
    {
        var exporter = new BlockingExporter();
        var logger = new CapturingLogger();
        var counters = new ExportCounters("slow", maxQueueSize: 2, exportTimeout: TimeSpan.FromSeconds(5));
        using var processor = new ExportBatchProcessor(exporter, counters, 1, TimeSpan.FromMilliseconds(10), logger);
        processor.OnEnd(NewRecordedActivity("first"));
        Assert.True(exporter.WaitUntilExporting(Bound));
        await Task.Run(() =>
        {
            for (var i = 0; i < 5; i++)
            {
                processor.OnEnd(NewRecordedActivity("span" + i));
            }
        }).WaitAsync(Bound);

        exporter.Release();
        var reported = SpinWait.SpinUntil(() => logger.Warnings.Count > 0, Bound);

        Assert.True(reported, "no warning about dropped spans");
        var warning = Assert.Single(logger.Warnings);
        Assert.Contains("'slow' dropped 3 spans", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnEnd_DropsWhileTheQueueNeverEmpties_WarningLoggedBeforeTheDrainEnds()
    {
        // Constant overload: the export thread never finds the queue empty, so it never leaves its drain loop.
        var exporter = new GatedExporter();
        var logger = new CapturingLogger();
        var counters = new ExportCounters("overloaded", maxQueueSize: 2, exportTimeout: TimeSpan.FromSeconds(5));
        var processor = new ExportBatchProcessor(exporter, counters, 1, TimeSpan.FromMilliseconds(10), logger);
        try
        {
            processor.OnEnd(NewRecordedActivity("first"));
            Assert.True(exporter.WaitForExports(1, Bound), "the worker never called the exporter");
            await Task.Run(() =>
            {
                for (var i = 0; i < 5; i++)
                {
                    processor.OnEnd(NewRecordedActivity("span" + i));
                }
            }).WaitAsync(Bound);

            // Let one batch finish: the next one is still queued, so the worker goes straight on to export it.
            exporter.Allow(1);
            Assert.True(exporter.WaitForExports(2, Bound), "the worker did not go on with the queued spans");

            var warning = Assert.Single(logger.Warnings);
            Assert.Contains("'overloaded' dropped 3 spans", warning, StringComparison.Ordinal);
        }
        finally
        {
            exporter.Allow(100);
            processor.Shutdown(30_000);
            processor.Dispose();
        }
    }

    [Fact]
    public void Dispose_WithoutShutdown_ExportThreadEnds()
    {
        var counters = new ExportCounters("recording", 100, TimeSpan.FromSeconds(5));
        var processor = new ExportBatchProcessor(new RecordingExporter(), counters, 10, TimeSpan.FromHours(1), NullLogger.Instance);

        processor.Dispose();

        Assert.True(SpinWait.SpinUntil(() => !processor.IsWorkerAlive, Bound), "the export thread outlived its processor");
        processor.OnEnd(NewRecordedActivity("after-dispose"));
        Assert.Equal(1, counters.Dropped);
    }

    [Fact]
    public void Export_ProcessorCreatedInsideAnActivity_TheExportThreadRunsWithoutTheCreatorsContext()
    {
        // Arrange: the pipeline is built while a span is current and an AsyncLocal is set (a host started from a test
        // span, a request or a job). The export thread lives as long as the host.
        var exporter = new ContextCapturingExporter();
        ExportBatchProcessor processor;
        using (var startUp = new Activity("host-start").Start())
        {
            ContextCapturingExporter.Ambient.Value = "start-up";
            processor = new ExportBatchProcessor(exporter, new ExportCounters("context", maxQueueSize: 8, exportTimeout: Bound), maxBatchSize: 1, TimeSpan.FromMilliseconds(10), NullLogger.Instance);
            ContextCapturingExporter.Ambient.Value = null;
        }

        try
        {
            // Act
            processor.OnEnd(NewRecordedActivity("span"));

            // Assert: the exporter (and any span its own calls make) does not run under the start-up span, which would
            // also keep it and everything it references alive for the host's lifetime.
            Assert.True(exporter.Exported.Wait(Bound), "the worker never called the exporter");
            Assert.Null(exporter.CurrentName);
            Assert.Null(exporter.AmbientValue);
        }
        finally
        {
            processor.Dispose();
        }
    }

    private static void EndSpans(ExportBatchProcessor processor, int count)
    {
        for (var i = 0; i < count; i++)
        {
            processor.OnEnd(NewRecordedActivity("span" + i));
        }
    }

    private static Activity NewRecordedActivity(string name)
    {
        var activity = new Activity(name) { ActivityTraceFlags = ActivityTraceFlags.Recorded };
        activity.SetIdFormat(ActivityIdFormat.W3C);
        activity.Start();
        activity.Stop();
        return activity;
    }

    private sealed class CapturingLogger : ILogger
    {
        private readonly ConcurrentQueue<string> _warnings = new();

        public IReadOnlyCollection<string> Warnings => _warnings;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                _warnings.Enqueue(formatter(state, exception));
            }
        }
    }

    /// <summary>Lets one export call finish per permit; counts the calls that started.</summary>
    private sealed class GatedExporter : BaseExporter<Activity>
    {
        private readonly SemaphoreSlim _permits = new(0);
        private int _started;

        public int Started => Volatile.Read(ref _started);

        public bool WaitForExports(int count, TimeSpan timeout) => SpinWait.SpinUntil(() => Volatile.Read(ref _started) >= count, timeout);

        public void Allow(int count) => _permits.Release(count);

        public override ExportResult Export(in Batch<Activity> batch)
        {
            Interlocked.Increment(ref _started);
            return _permits.Wait(Bound) ? ExportResult.Success : ExportResult.Failure;
        }
    }

    private sealed class ContextCapturingExporter : BaseExporter<Activity>
    {
        public static readonly AsyncLocal<string?> Ambient = new();

        public ManualResetEventSlim Exported { get; } = new();

        public string? CurrentName { get; private set; }

        public string? AmbientValue { get; private set; }

        public override ExportResult Export(in Batch<Activity> batch)
        {
            CurrentName = Activity.Current?.OperationName;
            AmbientValue = Ambient.Value;
            Exported.Set();
            return ExportResult.Success;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Exported.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class ThrowOnceExporter : BaseExporter<Activity>
    {
        private int _calls;

        public override ExportResult Export(in Batch<Activity> batch)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                throw new InvalidOperationException("exporter bug");
            }

            return ExportResult.Success;
        }
    }
}
