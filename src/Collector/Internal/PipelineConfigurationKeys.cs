namespace Propagation.Collector.Internal;

/// <summary>The standard OpenTelemetry variables the pipeline reads from <c>IConfiguration</c>.</summary>
internal static class PipelineConfigurationKeys
{
    public const string SdkDisabled = "OTEL_SDK_DISABLED";
    public const string ServiceName = "OTEL_SERVICE_NAME";
    public const string ResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES";
    public const string Sampler = "OTEL_TRACES_SAMPLER";
    public const string SamplerArgument = "OTEL_TRACES_SAMPLER_ARG";
    public const string Exporters = "OTEL_TRACES_EXPORTER";
    public const string ScheduleDelay = "OTEL_BSP_SCHEDULE_DELAY";
    public const string ExportTimeout = "OTEL_BSP_EXPORT_TIMEOUT";
    public const string MaxQueueSize = "OTEL_BSP_MAX_QUEUE_SIZE";
    public const string MaxExportBatchSize = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string OtlpTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
    public const string OtlpProtocol = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string OtlpTracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
    public const string OtlpHeaders = "OTEL_EXPORTER_OTLP_HEADERS";
    public const string OtlpTracesHeaders = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
    public const string OtlpTimeout = "OTEL_EXPORTER_OTLP_TIMEOUT";
    public const string OtlpTracesTimeout = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
    public const string OtlpCompression = "OTEL_EXPORTER_OTLP_COMPRESSION";
    public const string OtlpTracesCompression = "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION";
}
