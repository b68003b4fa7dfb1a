using Propagation.Collector.Internal;

namespace Propagation.Collector;

/// <summary>The tracing pipeline's export counters for one app: what each exporter exported, dropped and failed.
/// Registered in DI as a singleton by <c>AddTracingPipeline</c>, and as an <see cref="IExporterStatusSource"/> so
/// the tracing API's <c>status</c> endpoint lists it.</summary>
/// <remarks>
/// <para>Every finished, sampled span handed to an exporter ends up in exactly one of
/// <see cref="ExporterStatus.ExportedSpans"/>, <see cref="ExporterStatus.FailedSpans"/> (the exporter failed the
/// batch) or <see cref="ExporterStatus.DroppedSpans"/> (the queue was full because the exporter is slow, failing or
/// hung, or the pipeline was shutting down), or is still queued (<see cref="ExporterStatus.QueueLength"/>).</para>
/// <para>Thread-safe; reading never blocks the pipeline. Counters restart from zero each time the host starts.</para>
/// </remarks>
public sealed class ExportStatistics : IExporterStatusSource
{
    private ExportCounters[] _exporters = [];
    private volatile string? _sampler;
    private volatile bool _isRunning;

    /// <summary>Gets a value indicating whether the pipeline's tracer provider is running (started and not
    /// disposed; <see langword="false"/> when tracing is turned off).</summary>
    public bool IsRunning => _isRunning;

    /// <summary>Gets a description of the active sampler (for example <c>parentbased_traceidratio(0.25)</c>), or
    /// <see langword="null"/> before the pipeline first started or when tracing is turned off.</summary>
    public string? Sampler => _sampler;

    /// <summary>Gets the total of <see cref="ExporterStatus.DroppedSpans"/> over every exporter.</summary>
    public long TotalDroppedSpans
    {
        get
        {
            long total = 0;
            foreach (var counters in Volatile.Read(ref _exporters))
            {
                total += counters.Dropped;
            }

            return total;
        }
    }

    /// <summary>Gets a snapshot of every active exporter's counters, in selection order.</summary>
    /// <returns>One entry per exporter; empty when none is active. Never throws.</returns>
    public IReadOnlyList<ExporterStatus> GetExporterStatuses()
    {
        var exporters = Volatile.Read(ref _exporters);
        var result = new ExporterStatus[exporters.Length];
        for (var i = 0; i < exporters.Length; i++)
        {
            result[i] = exporters[i].Snapshot();
        }

        return result;
    }

    /// <summary>Gets the live counters (tests and diagnostics).</summary>
    internal IReadOnlyList<ExportCounters> Counters => Volatile.Read(ref _exporters);

    internal void Start(string sampler, ExportCounters[] exporters)
    {
        Volatile.Write(ref _exporters, exporters);
        _sampler = sampler;
        _isRunning = true;
    }

    internal void Stop()
    {
        _isRunning = false;
    }
}
