using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;

namespace Propagation.Collector.Tests.Pipeline;

/// <summary>Records every exported span, and the provider it was attached to.</summary>
internal sealed class RecordingExporter : BaseExporter<Activity>
{
    private readonly ConcurrentQueue<Activity> _spans = new();

    public IReadOnlyCollection<Activity> Spans => _spans;

    public int ShutdownCalls;

    public override ExportResult Export(in Batch<Activity> batch)
    {
        foreach (var activity in batch)
        {
            _spans.Enqueue(activity);
        }

        return ExportResult.Success;
    }

    protected override bool OnShutdown(int timeoutMilliseconds)
    {
        Interlocked.Increment(ref ShutdownCalls);
        return true;
    }
}

/// <summary>Fails every batch.</summary>
internal sealed class FailingExporter : BaseExporter<Activity>
{
    public override ExportResult Export(in Batch<Activity> batch) => ExportResult.Failure;
}

/// <summary>Throws from every Export.</summary>
internal sealed class ThrowingExporter : BaseExporter<Activity>
{
    public override ExportResult Export(in Batch<Activity> batch) => throw new InvalidOperationException("export failed");
}

/// <summary>Hangs in Export until released (or disposed), like an exporter whose endpoint never answers.</summary>
internal sealed class BlockingExporter : BaseExporter<Activity>
{
    private readonly ManualResetEventSlim _release = new(false);
    private readonly ManualResetEventSlim _entered = new(false);

    public bool WaitUntilExporting(TimeSpan timeout) => _entered.Wait(timeout);

    public void Release() => _release.Set();

    public override ExportResult Export(in Batch<Activity> batch)
    {
        _entered.Set();
        _release.Wait();
        return ExportResult.Success;
    }

    protected override void Dispose(bool disposing)
    {
        _release.Set();
        base.Dispose(disposing);
    }
}
