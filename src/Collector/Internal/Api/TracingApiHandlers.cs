using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Propagation.Collector.Internal.Api;

/// <summary>The request handlers behind <c>MapTracingApi</c>. Each reads and validates its parameters first and
/// answers 400 (problem details naming the parameter) before touching the store.</summary>
internal static class TracingApiHandlers
{
    public const int DefaultSlowThresholdMs = 1_000;
    public const int MaxListLength = 100;
    public const string ImpactFormula = "impactScore = p95Ms × count × (1 + 3 × errorRate)";

    private static readonly (string, ActivityKind)[] Kinds =
    [
        ("internal", ActivityKind.Internal), ("server", ActivityKind.Server), ("client", ActivityKind.Client),
        ("producer", ActivityKind.Producer), ("consumer", ActivityKind.Consumer),
    ];

    private static readonly (string, ActivityStatusCode)[] Statuses =
    [
        ("unset", ActivityStatusCode.Unset), ("ok", ActivityStatusCode.Ok), ("error", ActivityStatusCode.Error),
    ];

    private static readonly (string, SpanSortField)[] SortFields = [("startTime", SpanSortField.StartTime), ("duration", SpanSortField.Duration)];

    private static readonly (string, SortDirection)[] Directions = [("asc", SortDirection.Ascending), ("desc", SortDirection.Descending)];

    private static readonly (string, bool)[] Views = [("spans", false), ("traces", true)];

    public static IResult Status(HttpContext context)
    {
        var store = Store(context);
        var exporters = ExporterStatuses(context);
        long dropped = 0;
        foreach (var exporter in exporters)
        {
            dropped += exporter.DroppedSpans;
        }

        return TypedResults.Json(
            new StatusResponse(StoreStatusDto.From(store.GetStatistics()), exporters, dropped),
            TracingApiJsonContext.Default.StatusResponse);
    }

    public static IResult Health(HttpContext context)
    {
        var store = Store(context);
        var statistics = store.GetStatistics();
        var problems = new List<string>();
        foreach (var exporter in ExporterStatuses(context))
        {
            if (exporter.IsStalled)
            {
                problems.Add($"exporter '{exporter.Name}' is stalled");
            }
        }

        return TypedResults.Json(
            new HealthResponse(
                problems.Count == 0 ? "healthy" : "degraded",
                statistics.SpanCount,
                statistics.TraceCount,
                (double)statistics.SpanCount / statistics.MaxSpans,
                problems),
            TracingApiJsonContext.Default.HealthResponse);
    }

    public static IResult Search(HttpContext context)
    {
        var reader = Reader(context);
        var query = new SpanQuery
        {
            TraceId = reader.TraceId("traceId"),
            ServiceName = reader.Text("service"),
            OperationName = reader.Text("operation"),
            OperationNamePrefix = reader.Text("operationPrefix"),
            Kind = reader.Choice<ActivityKind>("kind", Kinds),
            Status = reader.Choice<ActivityStatusCode>("status", Statuses),
            IsError = reader.Boolean("error"),
            MinDuration = reader.Milliseconds("minDurationMs"),
            MaxDuration = reader.Milliseconds("maxDurationMs"),
            StartTimeFrom = reader.Time("from"),
            StartTimeTo = reader.Time("to"),
            Attributes = reader.Attributes(),
            SortBy = reader.Choice<SpanSortField>("sortBy", SortFields) ?? SpanSortField.StartTime,
            Direction = reader.Choice<SortDirection>("order", Directions) ?? SortDirection.Descending,
            Limit = reader.Integer("limit", SpanQuery.DefaultLimit, 1, SpanQuery.MaxLimit),
            Offset = reader.Integer("offset", 0, 0, SpanQuery.MaxOffset),
        };
        var tracesView = reader.Choice<bool>("view", Views) ?? false;
        if (!reader.IsValid)
        {
            return BadParameter(reader);
        }

        if (query.MinDuration > query.MaxDuration)
        {
            return BadParameter("minDurationMs", "Query parameter 'minDurationMs' must not be greater than 'maxDurationMs'.");
        }

        if (query.StartTimeFrom >= query.StartTimeTo)
        {
            return BadParameter("from", "Query parameter 'from' must be earlier than 'to'.");
        }

        var store = Store(context);
        if (tracesView)
        {
            return TypedResults.Json(SearchTraces(store, query), TracingApiJsonContext.Default.SearchTracesResponse);
        }

        var result = store.Search(query);
        return TypedResults.Json(
            new SearchSpansResponse(result.TotalCount, result.Offset, result.Limit, result.NextOffset, SpanDto.FromAll(result.Spans)),
            TracingApiJsonContext.Default.SearchSpansResponse);
    }

    public static IResult Trace(HttpContext context)
    {
        var raw = context.Request.RouteValues["traceId"] as string ?? string.Empty;
        var traceId = QueryReader.NormalizeTraceId(raw);
        if (traceId is null)
        {
            return BadParameter("traceId", "Route parameter 'traceId' must be 32 hexadecimal characters.");
        }

        var spans = Store(context).GetTrace(traceId);
        if (spans is null)
        {
            return TypedResults.Problem(
                detail: "No trace with this id is stored (it may have been evicted).",
                statusCode: StatusCodes.Status404NotFound,
                title: "Trace not found");
        }

        return TypedResults.Json(
            new TraceResponse(TraceSummaryDto.From(SpanAnalysis.SummarizeTrace(spans)), SpanDto.FromAll(spans)),
            TracingApiJsonContext.Default.TraceResponse);
    }

    public static IResult PerformanceSummary(HttpContext context)
    {
        var reader = Reader(context);
        var service = reader.Text("service");
        var threshold = reader.Milliseconds("slowThresholdMs") ?? TimeSpan.FromMilliseconds(DefaultSlowThresholdMs);
        var limit = reader.Integer("limit", 10, 1, MaxListLength);
        if (!reader.IsValid)
        {
            return BadParameter(reader);
        }

        var store = Store(context);
        var spans = FilterByService(store.GetSpans(), service);
        var operations = SpanAnalysis.GetOperationStatistics(spans, store.Options.Grading);
        var traces = new HashSet<string>(StringComparer.Ordinal);
        var errorCount = 0;
        foreach (var span in spans)
        {
            traces.Add(span.TraceId);
            errorCount += span.IsError ? 1 : 0;
        }

        var grades = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["A"] = 0, ["B"] = 0, ["C"] = 0, ["D"] = 0, ["F"] = 0,
        };
        foreach (var operation in operations)
        {
            grades[operation.Grade.ToString()]++;
        }

        var errors = SpanAnalysis.GetErrorSpans(Newest(spans));
        var slow = SpanAnalysis.GetSlowOperations(operations, threshold);
        return TypedResults.Json(
            new PerformanceSummaryResponse(
                spans.Count,
                traces.Count,
                errorCount,
                spans.Count == 0 ? 0 : (double)errorCount / spans.Count,
                operations.Count,
                grades,
                threshold.TotalMilliseconds,
                OperationDto.FromAll(operations),
                OperationDto.FromAll(Take(slow, limit)),
                SpanRefDto.FromAll(SpanAnalysis.GetSlowSpans(spans, threshold, limit)),
                ErrorSpanDto.FromAll(errors, limit)),
            TracingApiJsonContext.Default.PerformanceSummaryResponse);
    }

    public static IResult Bottlenecks(HttpContext context)
    {
        var reader = Reader(context);
        var service = reader.Text("service");
        var limit = reader.Integer("limit", 10, 1, MaxListLength);
        if (!reader.IsValid)
        {
            return BadParameter(reader);
        }

        var store = Store(context);
        var operations = SpanAnalysis.GetOperationStatistics(FilterByService(store.GetSpans(), service), store.Options.Grading);
        var bottlenecks = SpanAnalysis.GetBottlenecks(operations, limit);
        var items = new BottleneckDto[bottlenecks.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var b = bottlenecks[i];
            items[i] = new BottleneckDto(i + 1, OperationDto.From(b.Operation), b.ImpactScore, b.DurationFactor, b.FrequencyFactor, b.ErrorFactor, b.Reasons);
        }

        return TypedResults.Json(new BottlenecksResponse(ImpactFormula, items), TracingApiJsonContext.Default.BottlenecksResponse);
    }

    public static IResult OperationAnalysis(HttpContext context)
    {
        // Routing decodes every escape except %2F; operation names such as "GET /orders" need it, and a name with a
        // literal "%2F" needs the raw request target (see OperationRouteName).
        var name = OperationRouteName.Read(context);
        var reader = Reader(context);
        if (name.Length == 0 || name.Length > reader.MaxTextLength)
        {
            return BadParameter("name", $"Route parameter 'name' must be 1 to {reader.MaxTextLength} characters long.");
        }

        var service = reader.Text("service");
        var limit = reader.Integer("limit", 10, 1, MaxListLength);
        if (!reader.IsValid)
        {
            return BadParameter(reader);
        }

        var store = Store(context);
        var spans = new List<StoredSpan>();
        foreach (var span in store.GetSpans())
        {
            if (string.Equals(span.Name, name, StringComparison.Ordinal) &&
                (service is null || string.Equals(span.ServiceName, service, StringComparison.Ordinal)))
            {
                spans.Add(span);
            }
        }

        if (spans.Count == 0)
        {
            return TypedResults.Problem(
                detail: "No stored span has this operation name.",
                statusCode: StatusCodes.Status404NotFound,
                title: "Operation not found");
        }

        var operations = SpanAnalysis.GetOperationStatistics(spans, store.Options.Grading);
        return TypedResults.Json(
            new OperationAnalysisResponse(
                name,
                OperationDto.FromAll(operations),
                SpanRefDto.FromAll(SpanAnalysis.GetSlowSpans(spans, TimeSpan.Zero, limit)),
                ErrorSpanDto.FromAll(SpanAnalysis.GetErrorSpans(Newest(spans)), limit)),
            TracingApiJsonContext.Default.OperationAnalysisResponse);
    }

    public static IResult Dependencies(HttpContext context)
    {
        var spans = Store(context).GetSpans();
        var edges = SpanAnalysis.GetDependencies(spans);
        var services = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var span in spans)
        {
            services.Add(span.ServiceName);
        }

        var items = new DependencyEdgeDto[edges.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var e = edges[i];
            services.Add(e.Callee);
            items[i] = new DependencyEdgeDto(e.Caller, e.Callee, e.CallCount, e.ErrorCount, e.ErrorRate, e.P95.TotalMilliseconds);
        }

        return TypedResults.Json(new DependenciesResponse([.. services], items), TracingApiJsonContext.Default.DependenciesResponse);
    }

    public static IResult Propagation(HttpContext context)
    {
        var reader = Reader(context);
        var limit = reader.Integer("limit", 20, 1, MaxListLength);
        if (!reader.IsValid)
        {
            return BadParameter(reader);
        }

        var orphans = new List<StoredSpan>();
        var tracesWithOrphans = 0;
        var remoteParents = 0;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var trace in Store(context).GetTraces())
        {
            ids.Clear();
            foreach (var span in trace)
            {
                ids.Add(span.SpanId);
            }

            var before = orphans.Count;
            foreach (var span in trace)
            {
                if (SpanAnalysis.IsOrphan(span, ids))
                {
                    orphans.Add(span);
                }
                else if (span.HasRemoteParent && span.ParentSpanId is { } parent && !ids.Contains(parent))
                {
                    // Expected: the caller's span is in the caller's store (or, for a trace's entry span, nowhere here).
                    remoteParents++;
                }
            }

            tracesWithOrphans += orphans.Count > before ? 1 : 0;
        }

        var sources = context.RequestServices.GetServices<IPropagationHealthSource>();
        var available = false;
        var rejected = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var trimmed = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long conflicts = 0, restarted = 0, ignored = 0, unsampled = 0;
        foreach (var source in sources)
        {
            available = true;
            var snapshot = source.GetSnapshot();
            Add(rejected, snapshot.RejectedHeaders);
            Add(trimmed, snapshot.TrimmedHeaders);
            conflicts += snapshot.FormatConflicts;
            restarted += snapshot.RestartedContexts;
            ignored += snapshot.IgnoredContexts;
            unsampled += snapshot.UnsampledInboundRequests;
        }

        return TypedResults.Json(
            new PropagationResponse(
                orphans.Count,
                tracesWithOrphans,
                remoteParents,
                SpanRefDto.FromAll(Take(Newest(orphans), limit)),
                available,
                rejected,
                trimmed,
                available ? conflicts : null,
                available ? restarted : null,
                available ? ignored : null,
                available ? unsampled : null),
            TracingApiJsonContext.Default.PropagationResponse);

        static void Add(SortedDictionary<string, long> total, IReadOnlyDictionary<string, long> counts)
        {
            foreach (var (reason, count) in counts)
            {
                total[reason] = total.GetValueOrDefault(reason) + count;
            }
        }
    }

    private static StoredSpan? FindEntry(IReadOnlyList<StoredSpan> trace, HashSet<string> ids)
    {
        ids.Clear();
        foreach (var span in trace)
        {
            ids.Add(span.SpanId);
        }

        return SpanAnalysis.FindEntry(trace, ids);
    }

    private static SearchTracesResponse SearchTraces(SpanStore store, SpanQuery query)
    {
        var matcher = new SpanMatcher(query);
        var items = new List<TraceListItemDto>();
        HashSet<string>? ids = null;
        foreach (var trace in store.GetTraces())
        {
            var matched = false;
            var errors = 0;
            StoredSpan? root = null;
            var start = DateTimeOffset.MaxValue;
            var end = DateTimeOffset.MinValue;
            var services = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var span in trace)
            {
                matched |= matcher.Matches(span);
                errors += span.IsError ? 1 : 0;
                services.Add(span.ServiceName);
                start = span.StartTime < start ? span.StartTime : start;
                end = span.EndTime > end ? span.EndTime : end;
                if (span.ParentSpanId is null && root is null)
                {
                    root = span;
                }
            }

            if (matched && trace.Count > 0)
            {
                // Named as its summary names its root: the first span without a parent, else where the trace entered
                // this store from a caller, else (only orphans) the earliest span. The spans come by start time.
                root ??= FindEntry(trace, ids ??= new HashSet<string>(StringComparer.Ordinal)) ?? trace[0];
                items.Add(new TraceListItemDto(root.TraceId, root.Name, root.ServiceName, start, (end - start).TotalMilliseconds, trace.Count, errors, [.. services]));
            }
        }

        var descending = query.Direction == SortDirection.Descending;
        var byDuration = query.SortBy == SpanSortField.Duration;
        items.Sort((x, y) =>
        {
            var result = byDuration ? x.DurationMs.CompareTo(y.DurationMs) : x.StartTime.CompareTo(y.StartTime);
            result = descending ? -result : result;
            return result != 0 ? result : string.CompareOrdinal(x.TraceId, y.TraceId);
        });
        var page = query.Offset >= items.Count ? [] : items.GetRange(query.Offset, Math.Min(query.Limit, items.Count - query.Offset));
        return new SearchTracesResponse(items.Count, query.Offset, query.Limit, SpanQuery.NextOffset(query.Offset, page.Count, items.Count), page);
    }

    private static SpanStore Store(HttpContext context) => context.RequestServices.GetRequiredService<SpanStore>();

    private static QueryReader Reader(HttpContext context) =>
        new(context.Request.Query, QueryReader.MaxTextLengthOf(Store(context).Options));

    private static List<ExporterStatus> ExporterStatuses(HttpContext context)
    {
        var result = new List<ExporterStatus>();
        foreach (var source in context.RequestServices.GetServices<IExporterStatusSource>())
        {
            result.AddRange(source.GetExporterStatuses());
        }

        return result;
    }

    private static IReadOnlyList<StoredSpan> FilterByService(IReadOnlyList<StoredSpan> spans, string? service)
    {
        if (service is null)
        {
            return spans;
        }

        var result = new List<StoredSpan>();
        foreach (var span in spans)
        {
            if (string.Equals(span.ServiceName, service, StringComparison.Ordinal))
            {
                result.Add(span);
            }
        }

        return result;
    }

    private static List<StoredSpan> Newest(IReadOnlyList<StoredSpan> spans)
    {
        var sorted = new List<StoredSpan>(spans);
        sorted.Sort(new SpanOrder(SpanSortField.StartTime, SortDirection.Descending));
        return sorted;
    }

    private static IReadOnlyList<T> Take<T>(IReadOnlyList<T> items, int limit)
    {
        if (items.Count <= limit)
        {
            return items;
        }

        var result = new T[limit];
        for (var i = 0; i < limit; i++)
        {
            result[i] = items[i];
        }

        return result;
    }

    private static ProblemHttpResult BadParameter(QueryReader reader) => BadParameter(reader.InvalidParameter!, reader.Problem!);

    private static ProblemHttpResult BadParameter(string parameter, string detail) => TypedResults.Problem(
        detail: detail,
        statusCode: StatusCodes.Status400BadRequest,
        title: "Invalid parameter",
        extensions: new Dictionary<string, object?> { ["parameter"] = parameter });
}
