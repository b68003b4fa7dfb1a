using System.Diagnostics;
using System.Text.Json.Serialization;

namespace Propagation.Collector.Internal.Api;

// Response shapes of the /api/tracing endpoints. Kept internal: the JSON is the contract (documented in the
// README), these records only produce it. Durations are milliseconds (double), times ISO 8601 UTC.

internal sealed record SpanDto(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    bool HasRemoteParent,
    string Name,
    string Kind,
    string ServiceName,
    string SourceName,
    DateTimeOffset StartTime,
    double DurationMs,
    string Status,
    string? StatusDescription,
    [property: JsonConverter(typeof(TagListJsonConverter))] IReadOnlyList<SpanTag> Attributes,
    IReadOnlyList<SpanEventDto> Events,
    IReadOnlyList<SpanLinkDto> Links)
{
    public static SpanDto From(StoredSpan span)
    {
        var events = new SpanEventDto[span.Events.Count];
        for (var i = 0; i < events.Length; i++)
        {
            var e = span.Events[i];
            events[i] = new SpanEventDto(e.Name, e.Timestamp, e.Attributes);
        }

        var links = new SpanLinkDto[span.Links.Count];
        for (var i = 0; i < links.Length; i++)
        {
            var l = span.Links[i];
            links[i] = new SpanLinkDto(l.TraceId, l.SpanId, l.Attributes);
        }

        return new SpanDto(
            span.TraceId,
            span.SpanId,
            span.ParentSpanId,
            span.HasRemoteParent,
            span.Name,
            KindName(span.Kind),
            span.ServiceName,
            span.SourceName,
            span.StartTime,
            span.Duration.TotalMilliseconds,
            StatusName(span.Status),
            span.StatusDescription,
            span.Attributes,
            events,
            links);
    }

    public static SpanDto[] FromAll(IReadOnlyList<StoredSpan> spans)
    {
        var result = new SpanDto[spans.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = From(spans[i]);
        }

        return result;
    }

    public static string KindName(ActivityKind kind) => kind switch
    {
        ActivityKind.Server => "server",
        ActivityKind.Client => "client",
        ActivityKind.Producer => "producer",
        ActivityKind.Consumer => "consumer",
        _ => "internal",
    };

    public static string StatusName(ActivityStatusCode status) => status switch
    {
        ActivityStatusCode.Ok => "ok",
        ActivityStatusCode.Error => "error",
        _ => "unset",
    };
}

internal sealed record SpanEventDto(
    string Name,
    DateTimeOffset Timestamp,
    [property: JsonConverter(typeof(TagListJsonConverter))] IReadOnlyList<SpanTag> Attributes);

internal sealed record SpanLinkDto(
    string TraceId,
    string SpanId,
    [property: JsonConverter(typeof(TagListJsonConverter))] IReadOnlyList<SpanTag> Attributes);

internal sealed record SpanRefDto(string TraceId, string SpanId, string Name, string ServiceName, DateTimeOffset StartTime, double DurationMs)
{
    public static SpanRefDto From(StoredSpan span) =>
        new(span.TraceId, span.SpanId, span.Name, span.ServiceName, span.StartTime, span.Duration.TotalMilliseconds);

    public static SpanRefDto[] FromAll(IReadOnlyList<StoredSpan> spans)
    {
        var result = new SpanRefDto[spans.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = From(spans[i]);
        }

        return result;
    }
}

internal sealed record StoreStatusDto(
    int SpanCount,
    int TraceCount,
    long AcceptedSpans,
    long EvictedSpans,
    long EvictedTraces,
    long DroppedSpans,
    int MaxSpans,
    int MaxTraces,
    int MaxSpansPerTrace,
    double MaxAgeSeconds)
{
    public static StoreStatusDto From(SpanStoreStatistics s) => new(
        s.SpanCount, s.TraceCount, s.AcceptedSpanCount, s.EvictedSpanCount, s.EvictedTraceCount, s.DroppedSpanCount,
        s.MaxSpans, s.MaxTraces, s.MaxSpansPerTrace, s.MaxAge.TotalSeconds);
}

internal sealed record StatusResponse(StoreStatusDto Store, IReadOnlyList<ExporterStatus> Exporters, long ExporterDroppedSpans);

internal sealed record HealthResponse(string Status, int SpanCount, int TraceCount, double SpanUtilization, IReadOnlyList<string> Problems);

internal sealed record SearchSpansResponse(int TotalCount, int Offset, int Limit, int? NextOffset, IReadOnlyList<SpanDto> Spans);

internal sealed record TraceListItemDto(
    string TraceId,
    string RootName,
    string RootService,
    DateTimeOffset StartTime,
    double DurationMs,
    int SpanCount,
    int ErrorCount,
    IReadOnlyList<string> Services);

internal sealed record SearchTracesResponse(int TotalCount, int Offset, int Limit, int? NextOffset, IReadOnlyList<TraceListItemDto> Traces);

internal sealed record TraceSummaryDto(
    string TraceId,
    int SpanCount,
    DateTimeOffset StartTime,
    double DurationMs,
    IReadOnlyList<string> Services,
    string? RootSpanId,
    IReadOnlyList<string> CriticalPath,
    IReadOnlyList<string> OrphanSpanIds,
    IReadOnlyList<string> ErrorSpanIds)
{
    public static TraceSummaryDto From(TraceSummary s) => new(
        s.TraceId, s.SpanCount, s.StartTime, s.Duration.TotalMilliseconds, s.Services, s.Root?.SpanId,
        Ids(s.CriticalPath), Ids(s.OrphanSpans), Ids(s.ErrorSpans));

    private static string[] Ids(IReadOnlyList<StoredSpan> spans)
    {
        var ids = new string[spans.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = spans[i].SpanId;
        }

        return ids;
    }
}

internal sealed record TraceResponse(TraceSummaryDto Summary, IReadOnlyList<SpanDto> Spans);

internal sealed record OperationDto(
    string ServiceName,
    string Name,
    string OperationClass,
    int Count,
    int ErrorCount,
    double ErrorRate,
    double MeanMs,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    double TotalMs,
    string Grade)
{
    public static OperationDto From(OperationStatistics o) => new(
        o.ServiceName, o.Name, ClassName(o.OperationClass), o.Count, o.ErrorCount, o.ErrorRate,
        o.Mean.TotalMilliseconds, o.P50.TotalMilliseconds, o.P95.TotalMilliseconds, o.P99.TotalMilliseconds,
        o.Max.TotalMilliseconds, o.TotalDuration.TotalMilliseconds, o.Grade.ToString());

    public static OperationDto[] FromAll(IReadOnlyList<OperationStatistics> operations)
    {
        var result = new OperationDto[operations.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = From(operations[i]);
        }

        return result;
    }

    public static string ClassName(OperationClass operationClass) => operationClass switch
    {
        Collector.OperationClass.Http => "http",
        Collector.OperationClass.Database => "database",
        Collector.OperationClass.Cache => "cache",
        Collector.OperationClass.AI => "ai",
        _ => "other",
    };
}

internal sealed record ExceptionDto(string? Type, string? Message, string? StackTrace, DateTimeOffset Timestamp);

internal sealed record ErrorSpanDto(SpanRefDto Span, string? StatusDescription, IReadOnlyList<ExceptionDto> Exceptions)
{
    public static ErrorSpanDto[] FromAll(IReadOnlyList<ErrorSpan> errors, int limit)
    {
        var count = Math.Min(errors.Count, limit);
        var result = new ErrorSpanDto[count];
        for (var i = 0; i < count; i++)
        {
            var error = errors[i];
            var exceptions = new ExceptionDto[error.Exceptions.Count];
            for (var j = 0; j < exceptions.Length; j++)
            {
                var e = error.Exceptions[j];
                exceptions[j] = new ExceptionDto(e.Type, e.Message, e.StackTrace, e.Timestamp);
            }

            result[i] = new ErrorSpanDto(SpanRefDto.From(error.Span), error.Span.StatusDescription, exceptions);
        }

        return result;
    }
}

internal sealed record PerformanceSummaryResponse(
    int SpanCount,
    int TraceCount,
    int ErrorSpanCount,
    double ErrorRate,
    int OperationCount,
    IReadOnlyDictionary<string, int> GradeCounts,
    double SlowThresholdMs,
    IReadOnlyList<OperationDto> Operations,
    IReadOnlyList<OperationDto> SlowOperations,
    IReadOnlyList<SpanRefDto> SlowestSpans,
    IReadOnlyList<ErrorSpanDto> RecentErrors);

internal sealed record BottleneckDto(
    int Rank,
    OperationDto Operation,
    double ImpactScore,
    double DurationFactor,
    double FrequencyFactor,
    double ErrorFactor,
    IReadOnlyList<string> Reasons);

internal sealed record BottlenecksResponse(string Formula, IReadOnlyList<BottleneckDto> Bottlenecks);

internal sealed record OperationAnalysisResponse(
    string Name,
    IReadOnlyList<OperationDto> Operations,
    IReadOnlyList<SpanRefDto> SlowestSpans,
    IReadOnlyList<ErrorSpanDto> Errors);

internal sealed record DependencyEdgeDto(string Caller, string Callee, int CallCount, int ErrorCount, double ErrorRate, double P95Ms);

internal sealed record DependenciesResponse(IReadOnlyList<string> Services, IReadOnlyList<DependencyEdgeDto> Edges);

internal sealed record PropagationResponse(
    int OrphanSpanCount,
    int TracesWithOrphans,
    int RemoteParentSpanCount,
    IReadOnlyList<SpanRefDto> RecentOrphans,
    bool CountersAvailable,
    IReadOnlyDictionary<string, long> RejectedHeaders,
    IReadOnlyDictionary<string, long> TrimmedHeaders,
    long? FormatConflicts,
    long? RestartedContexts,
    long? IgnoredContexts,
    long? UnsampledInboundRequests);
