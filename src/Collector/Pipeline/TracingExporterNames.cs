namespace Propagation.Collector;

/// <summary>The names of the built-in exporters, as used in <see cref="TracingPipelineOptions.Exporters"/> and
/// <c>OTEL_TRACES_EXPORTER</c>.</summary>
public static class TracingExporterNames
{
    /// <summary>OTLP through the OpenTelemetry exporter (gRPC or HTTP/protobuf).</summary>
    public const string Otlp = "otlp";

    /// <summary>One human-readable line per span (<see cref="ConsoleSpanExporter"/>).</summary>
    public const string Console = "console";

    /// <summary>One JSON object per span (<see cref="JsonSpanExporter"/>).</summary>
    public const string Json = "json";

    /// <summary>The in-process <see cref="SpanStore"/> (<see cref="SpanStoreExporter"/>).</summary>
    public const string Store = "store";

    /// <summary>No exporter; cannot be combined with other names.</summary>
    public const string None = "none";
}
