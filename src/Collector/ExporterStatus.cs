namespace Propagation.Collector;

/// <summary>The counters of one exporter, as shown by the tracing API's <c>status</c> endpoint.</summary>
public sealed record ExporterStatus
{
    /// <summary>Gets the exporter's name (for example <c>otlp</c>, <c>console</c>, <c>json</c>, <c>store</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the number of spans exported.</summary>
    public long ExportedSpans { get; init; }

    /// <summary>Gets the number of spans dropped without an export attempt (queue full, shutting down).</summary>
    public long DroppedSpans { get; init; }

    /// <summary>Gets the number of spans in failed export batches.</summary>
    public long FailedSpans { get; init; }

    /// <summary>Gets the number of spans waiting to be exported.</summary>
    public int QueueLength { get; init; }

    /// <summary>Gets a value indicating whether an export call is hanging right now.</summary>
    public bool IsStalled { get; init; }
}
