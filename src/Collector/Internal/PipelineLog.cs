using Microsoft.Extensions.Logging;

namespace Propagation.Collector.Internal;

/// <summary>Log messages of the tracing pipeline (event ids 7100–7109; the exporters' are 7110–7119, in <see cref="ExportLog"/>).</summary>
internal static partial class PipelineLog
{
    [LoggerMessage(EventId = 7100, Level = LogLevel.Information, Message = "Tracing pipeline started for service '{ServiceName}': sampler {Sampler}, exporters [{Exporters}].")]
    public static partial void Started(ILogger logger, string serviceName, string sampler, string exporters);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Tracing pipeline is turned off (Enabled = false or OTEL_SDK_DISABLED=true); no spans are sampled or exported by it.")]
    public static partial void Disabled(ILogger logger);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "{Key} {Problem}")]
    public static partial void ConfigurationValueIgnored(ILogger logger, string key, string problem);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Warning, Message = "Tracing pipeline did not finish flushing within {TimeoutMilliseconds} ms at shutdown; unexported spans are lost.")]
    public static partial void FlushTimedOut(ILogger logger, int timeoutMilliseconds);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "Exporter '{Exporter}' failed {Count} spans since its previous warning (failed exports: {Batches}; failed spans in total: {Failed}).")]
    public static partial void ExportFailed(ILogger logger, string exporter, int batches, long count, long failed);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Warning, Message = "Exporter '{Exporter}' threw while exporting (the last exception since its previous warning).")]
    public static partial void ExportThrew(ILogger logger, string exporter, Exception exception);

    [LoggerMessage(EventId = 7106, Level = LogLevel.Warning, Message = "Exporter '{Exporter}' was still exporting when the shutdown timeout expired; {Dropped} queued spans were dropped, and the batch it was exporting may be lost.")]
    public static partial void ExportShutdownTimedOut(ILogger logger, string exporter, int dropped);

    [LoggerMessage(EventId = 7107, Level = LogLevel.Warning, Message = "Exporter '{Exporter}' threw while shutting down.")]
    public static partial void ExporterShutdownFailed(ILogger logger, string exporter, Exception exception);

    [LoggerMessage(EventId = 7109, Level = LogLevel.Warning, Message = "Exporter '{Exporter}' dropped {Dropped} spans because its queue was full ({Total} in total); it is slower than the span rate, failing or hanging.")]
    public static partial void SpansDropped(ILogger logger, string exporter, long dropped, long total);

    [LoggerMessage(EventId = 7108, Level = LogLevel.Information, Message = "Tracing pipeline stopped: {Exported} spans exported, {Dropped} dropped, {Failed} failed.")]
    public static partial void Stopped(ILogger logger, long exported, long dropped, long failed);
}
