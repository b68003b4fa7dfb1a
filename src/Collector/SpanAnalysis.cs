using System.Diagnostics;
using System.Globalization;

namespace Propagation.Collector;

/// <summary>Pure analysis functions over spans: trace summaries, operation statistics, slow and error spans,
/// grading, bottlenecks and the service dependency graph.</summary>
/// <remarks>
/// None of these functions reads the store or the clock; they take spans (e.g. from <see cref="SpanStore.GetSpans"/>
/// or <see cref="SpanStore.GetTrace(string)"/>) and return new values, so the same input always gives the same answer.
/// </remarks>
public static class SpanAnalysis
{
    /// <summary>How much an operation's error rate weighs in its impact score (see <see cref="Bottleneck"/>).</summary>
    public const double ErrorWeight = 3.0;

    private const string ExceptionEventName = "exception";

    /// <summary>Classifies a span's operation for grading.</summary>
    /// <param name="span">The span.</param>
    /// <returns>The class.</returns>
    /// <remarks>
    /// Rules, first match wins:
    /// <list type="number">
    /// <item><see cref="OperationClass.AI"/>: an attribute key starting with <c>gen_ai.</c>, <c>ai.</c> or <c>llm.</c>;
    /// or a name starting with <c>gen_ai</c>, <c>ai.</c>, <c>ai </c>, <c>llm</c>, <c>chat </c> or <c>embeddings</c>
    /// (case-insensitive).</item>
    /// <item><see cref="OperationClass.Cache"/>: <c>db.system</c> (or <c>db.system.name</c>) of <c>redis</c>,
    /// <c>memcached</c>, <c>valkey</c> or <c>hazelcast</c>; an attribute key starting with <c>cache.</c>; or a name
    /// containing <c>cache</c> or starting with <c>memory</c> (case-insensitive).</item>
    /// <item><see cref="OperationClass.Database"/>: any other <c>db.system</c>, or any attribute key starting with
    /// <c>db.</c>.</item>
    /// <item><see cref="OperationClass.Http"/>: an <c>rpc.system</c>, <c>http.request.method</c>, <c>http.method</c>,
    /// <c>http.route</c> or <c>url.full</c> attribute, or a <see cref="ActivityKind.Server"/> or
    /// <see cref="ActivityKind.Client"/> span.</item>
    /// <item><see cref="OperationClass.Other"/>: everything else.</item>
    /// </list>
    /// An attribute without a key is ignored.
    /// </remarks>
    public static OperationClass Classify(StoredSpan span)
    {
        ArgumentNullException.ThrowIfNull(span);
        var name = span.Name;
        var attributes = span.Attributes;
        string? dbSystem = null;
        bool hasCacheKey = false, hasDbKey = false, hasHttpKey = false;
        for (var i = 0; i < attributes.Count; i++)
        {
            var key = attributes[i].Key;
            if (key is null)
            {
                continue;
            }

            if (key.StartsWith("gen_ai.", StringComparison.Ordinal) || key.StartsWith("ai.", StringComparison.Ordinal) || key.StartsWith("llm.", StringComparison.Ordinal))
            {
                return OperationClass.AI;
            }

            if (key is "db.system" or "db.system.name")
            {
                dbSystem ??= attributes[i].Value as string;
                hasDbKey = true;
            }
            else if (key.StartsWith("db.", StringComparison.Ordinal))
            {
                hasDbKey = true;
            }
            else if (key.StartsWith("cache.", StringComparison.Ordinal))
            {
                hasCacheKey = true;
            }
            else if (key is "rpc.system" or "http.request.method" or "http.method" or "http.route" or "url.full")
            {
                hasHttpKey = true;
            }
        }

        if (StartsWithIgnoreCase(name, "gen_ai") || StartsWithIgnoreCase(name, "ai.") || StartsWithIgnoreCase(name, "ai ") ||
            StartsWithIgnoreCase(name, "llm") || StartsWithIgnoreCase(name, "chat ") || StartsWithIgnoreCase(name, "embeddings"))
        {
            return OperationClass.AI;
        }

        if (hasCacheKey || IsCacheSystem(dbSystem) || name.Contains("cache", StringComparison.OrdinalIgnoreCase) || StartsWithIgnoreCase(name, "memory"))
        {
            return OperationClass.Cache;
        }

        if (hasDbKey)
        {
            return OperationClass.Database;
        }

        return hasHttpKey || span.Kind is ActivityKind.Server or ActivityKind.Client ? OperationClass.Http : OperationClass.Other;
    }

    /// <summary>Summarizes one trace.</summary>
    /// <param name="spans">The spans of one trace (any order).</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentException"><paramref name="spans"/> is empty.</exception>
    /// <remarks>
    /// An orphan is a span whose <em>local</em> parent is missing: its parent span id is set, the parent is not among
    /// <paramref name="spans"/>, and the parent is not remote (<see cref="StoredSpan.HasRemoteParent"/>). That points
    /// at broken in-process parenting, or a parent that was dropped, not recorded or has not ended yet. A span whose
    /// parent is remote and absent is normal, not an orphan: the parent is the caller's span, recorded by the calling
    /// service (when each service keeps its own store) or by no one here (the entry span of a trace continued from an
    /// external caller). A span that names itself as its parent (corrupt data) is an orphan too, remote or not: its
    /// parent is effectively missing.
    /// <para>
    /// The root is the earliest span without a parent. When there is none, it is the earliest span whose remote parent
    /// is not among <paramref name="spans"/>: the entry span of a trace continued from a caller, which is every trace in a
    /// store that keeps one service's spans. An orphan is never the root.
    /// </para>
    /// </remarks>
    public static TraceSummary SummarizeTrace(IReadOnlyList<StoredSpan> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        if (spans.Count == 0)
        {
            throw new ArgumentException("A trace summary needs at least one span.", nameof(spans));
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var services = new SortedSet<string>(StringComparer.Ordinal);
        var start = DateTimeOffset.MaxValue;
        var end = DateTimeOffset.MinValue;
        StoredSpan? root = null;
        foreach (var span in spans)
        {
            ids.Add(span.SpanId);
            services.Add(span.ServiceName);
            start = span.StartTime < start ? span.StartTime : start;
            end = span.EndTime > end ? span.EndTime : end;
            if (span.ParentSpanId is null && (root is null || span.StartTime < root.StartTime))
            {
                root = span;
            }
        }

        var orphans = new List<StoredSpan>();
        var errors = new List<StoredSpan>();
        foreach (var span in spans)
        {
            if (IsOrphan(span, ids))
            {
                orphans.Add(span);
            }

            if (span.IsError)
            {
                errors.Add(span);
            }
        }

        return new TraceSummary(
            spans[0].TraceId,
            spans.Count,
            start,
            end - start,
            [.. services],
            root ?? FindEntry(spans, ids),
            GetCriticalPath(spans),
            orphans,
            errors);
    }

    /// <summary>
    /// The earliest span whose parent is remote and not among <paramref name="spans"/> (whose ids are
    /// <paramref name="ids"/>): where a trace continued from a caller enters this store. Orphans are left out.
    /// </summary>
    /// <returns>The span, or <see langword="null"/> when there is none.</returns>
    internal static StoredSpan? FindEntry(IReadOnlyList<StoredSpan> spans, HashSet<string> ids)
    {
        StoredSpan? entry = null;
        foreach (var span in spans)
        {
            if (span.ParentSpanId is { } parent && !ids.Contains(parent) && !IsOrphan(span, ids)
                && (entry is null || span.StartTime < entry.StartTime))
            {
                entry = span;
            }
        }

        return entry;
    }

    /// <summary>Whether <paramref name="span"/> is an orphan among the spans whose ids are <paramref name="ids"/>
    /// (see <see cref="SummarizeTrace"/>).</summary>
    internal static bool IsOrphan(StoredSpan span, HashSet<string> ids) =>
        span.ParentSpanId is { } parent &&
        (string.Equals(parent, span.SpanId, StringComparison.Ordinal) || (!span.HasRemoteParent && !ids.Contains(parent)));

    /// <summary>Finds the critical path of one trace: the chain of spans that determined its end-to-end latency.</summary>
    /// <param name="spans">The spans of one trace (any order).</param>
    /// <returns>The spans on the path, sorted by start time; empty for an empty input.</returns>
    /// <remarks>
    /// Starts at the root (the earliest span without a parent; if there is none, the earliest span whose remote parent
    /// is missing, such as the server span of a service that keeps its own store: the root
    /// <see cref="SummarizeTrace"/> reports; only when there is neither, the earliest orphan). From a span,
    /// with a cursor at its end, the children are taken latest-ending first: a child whose end (clamped to the
    /// parent's end) is at or before the cursor is on the path, its own critical path is followed, and the cursor
    /// moves to its start. Children that overlap a later path child are not on the path, nor is a child that started
    /// at or after its parent's end (fire-and-forget work that outlived it). Cycles in
    /// parent ids are ignored. The walk uses no recursion, so a chain of any depth is followed to its end.
    /// </remarks>
    public static IReadOnlyList<StoredSpan> GetCriticalPath(IReadOnlyList<StoredSpan> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        if (spans.Count == 0)
        {
            return [];
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var span in spans)
        {
            ids.Add(span.SpanId);
        }

        var children = new Dictionary<string, List<StoredSpan>>(StringComparer.Ordinal);
        StoredSpan? start = null;
        StoredSpan? entryStart = null;
        StoredSpan? orphanStart = null;
        foreach (var span in spans)
        {
            if (span.ParentSpanId is null)
            {
                if (start is null || span.StartTime < start.StartTime)
                {
                    start = span;
                }
            }
            else if (ids.Contains(span.ParentSpanId))
            {
                if (!children.TryGetValue(span.ParentSpanId, out var list))
                {
                    children[span.ParentSpanId] = list = [];
                }

                list.Add(span);
            }
            else if (span.HasRemoteParent)
            {
                if (entryStart is null || span.StartTime < entryStart.StartTime)
                {
                    entryStart = span;
                }
            }
            else if (orphanStart is null || span.StartTime < orphanStart.StartTime)
            {
                orphanStart = span;
            }
        }

        // The same root SummarizeTrace reports: an orphan (local parent lost) never hides the entry span.
        start ??= entryStart ?? orphanStart;
        if (start is null)
        {
            return [];
        }

        foreach (var list in children.Values)
        {
            list.Sort(static (x, y) =>
            {
                var byEnd = y.EndTime.CompareTo(x.EndTime);
                return byEnd != 0 ? byEnd : string.CompareOrdinal(x.SpanId, y.SpanId);
            });
        }

        // An explicit stack, not recursion: a chain as deep as the trace (MaxSpansPerTrace may be as large as MaxSpans)
        // must neither overflow the thread's stack nor be cut short. Each span id is walked once, so the work is
        // bounded by the span count even when corrupt parent ids form cycles.
        var path = new List<StoredSpan>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<StoredSpan>();
        pending.Push(start);
        while (pending.Count > 0)
        {
            var span = pending.Pop();
            if (!visited.Add(span.SpanId))
            {
                continue;
            }

            path.Add(span);
            if (!children.TryGetValue(span.SpanId, out var list))
            {
                continue;
            }

            var cursor = span.EndTime;
            foreach (var child in list)
            {
                if (cursor <= span.StartTime)
                {
                    break;
                }

                // A child that started once its parent had ended (fire-and-forget work) took no part in the parent's
                // latency; counting it would also move the cursor past the parent's end.
                if (child.StartTime >= span.EndTime)
                {
                    continue;
                }

                var childEnd = child.EndTime < span.EndTime ? child.EndTime : span.EndTime;
                if (childEnd <= cursor)
                {
                    pending.Push(child);
                    cursor = child.StartTime;
                }
            }
        }

        path.Sort(static (x, y) =>
        {
            var byStart = x.StartTime.CompareTo(y.StartTime);
            return byStart != 0 ? byStart : string.CompareOrdinal(x.SpanId, y.SpanId);
        });
        return path;
    }

    /// <summary>Computes statistics per operation (service and span name).</summary>
    /// <param name="spans">The spans.</param>
    /// <param name="grading">The grading thresholds, or <see langword="null"/> for the defaults.</param>
    /// <returns>One entry per operation, sorted by service then name (ordinal).</returns>
    public static IReadOnlyList<OperationStatistics> GetOperationStatistics(IEnumerable<StoredSpan> spans, PerformanceGradingOptions? grading = null)
    {
        ArgumentNullException.ThrowIfNull(spans);
        grading ??= new PerformanceGradingOptions();
        var groups = new Dictionary<(string Service, string Name), List<StoredSpan>>();
        foreach (var span in spans)
        {
            var key = (span.ServiceName, span.Name);
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
            }

            list.Add(span);
        }

        var result = new List<OperationStatistics>(groups.Count);
        foreach (var ((service, name), list) in groups)
        {
            result.Add(ComputeStatistics(service, name, list, grading));
        }

        result.Sort(static (x, y) =>
        {
            var byService = string.CompareOrdinal(x.ServiceName, y.ServiceName);
            return byService != 0 ? byService : string.CompareOrdinal(x.Name, y.Name);
        });
        return result;
    }

    /// <summary>Gets the operations whose p95 latency is at or above a threshold, slowest first.</summary>
    /// <param name="operations">Operation statistics (from <see cref="GetOperationStatistics"/>).</param>
    /// <param name="threshold">The threshold.</param>
    /// <returns>The slow operations, by p95 descending (ties by service, then name, ordinal).</returns>
    public static IReadOnlyList<OperationStatistics> GetSlowOperations(IEnumerable<OperationStatistics> operations, TimeSpan threshold)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var slow = new List<OperationStatistics>();
        foreach (var operation in operations)
        {
            if (operation.P95 >= threshold)
            {
                slow.Add(operation);
            }
        }

        slow.Sort(static (x, y) =>
        {
            var byP95 = y.P95.CompareTo(x.P95);
            if (byP95 != 0)
            {
                return byP95;
            }

            var byService = string.CompareOrdinal(x.ServiceName, y.ServiceName);
            return byService != 0 ? byService : string.CompareOrdinal(x.Name, y.Name);
        });
        return slow;
    }

    /// <summary>Gets the spans that took at least a threshold, slowest first.</summary>
    /// <param name="spans">The spans.</param>
    /// <param name="threshold">The threshold (inclusive).</param>
    /// <param name="limit">The most spans to return.</param>
    /// <returns>The slow spans, by duration descending.</returns>
    public static IReadOnlyList<StoredSpan> GetSlowSpans(IEnumerable<StoredSpan> spans, TimeSpan threshold, int limit)
    {
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var slow = new List<StoredSpan>();
        foreach (var span in spans)
        {
            if (span.Duration >= threshold)
            {
                slow.Add(span);
            }
        }

        slow.Sort(new Internal.SpanOrder(SpanSortField.Duration, SortDirection.Descending));
        return slow.Count > limit ? slow.GetRange(0, limit) : slow;
    }

    /// <summary>Gets the failed spans with their exception events.</summary>
    /// <param name="spans">The spans.</param>
    /// <returns>Every span whose status is error or that recorded an <c>exception</c> event, in input order.</returns>
    public static IReadOnlyList<ErrorSpan> GetErrorSpans(IEnumerable<StoredSpan> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var result = new List<ErrorSpan>();
        foreach (var span in spans)
        {
            List<ExceptionInfo>? exceptions = null;
            foreach (var spanEvent in span.Events)
            {
                if (string.Equals(spanEvent.Name, ExceptionEventName, StringComparison.Ordinal))
                {
                    (exceptions ??= []).Add(new ExceptionInfo(
                        FindString(spanEvent.Attributes, "exception.type"),
                        FindString(spanEvent.Attributes, "exception.message"),
                        FindString(spanEvent.Attributes, "exception.stacktrace"),
                        spanEvent.Timestamp));
                }
            }

            if (span.IsError || exceptions is not null)
            {
                result.Add(new ErrorSpan(span, exceptions is null ? [] : exceptions));
            }
        }

        return result;
    }

    /// <summary>Ranks operations by impact score (see <see cref="Bottleneck"/>), worst first.</summary>
    /// <param name="operations">Operation statistics (from <see cref="GetOperationStatistics"/>).</param>
    /// <param name="limit">The most bottlenecks to return.</param>
    /// <returns>The bottlenecks, by score descending (ties by name).</returns>
    public static IReadOnlyList<Bottleneck> GetBottlenecks(IEnumerable<OperationStatistics> operations, int limit)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var result = new List<Bottleneck>();
        foreach (var operation in operations)
        {
            var duration = operation.P95.TotalMilliseconds;
            double frequency = operation.Count;
            var error = 1.0 + (ErrorWeight * operation.ErrorRate);
            var score = duration * frequency * error;
            if (score <= 0)
            {
                continue;
            }

            var reasons = new List<string>(3)
            {
                string.Create(CultureInfo.InvariantCulture, $"p95 {duration:0.###} ms grades {operation.Grade} ({operation.OperationClass})"),
                string.Create(CultureInfo.InvariantCulture, $"{operation.Count} calls, {operation.TotalDuration.TotalMilliseconds:0.###} ms in all"),
            };
            if (operation.ErrorCount > 0)
            {
                reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{operation.ErrorCount} errors ({operation.ErrorRate:P1})"));
            }

            result.Add(new Bottleneck(operation, score, duration, frequency, error, reasons));
        }

        result.Sort(static (x, y) =>
        {
            var byScore = y.ImpactScore.CompareTo(x.ImpactScore);
            if (byScore != 0)
            {
                return byScore;
            }

            var byService = string.CompareOrdinal(x.Operation.ServiceName, y.Operation.ServiceName);
            return byService != 0 ? byService : string.CompareOrdinal(x.Operation.Name, y.Operation.Name);
        });
        return result.Count > limit ? result.GetRange(0, limit) : result;
    }

    /// <summary>Builds the service dependency graph.</summary>
    /// <param name="spans">The spans (of any number of traces).</param>
    /// <returns>The edges, sorted by caller then callee (ordinal).</returns>
    /// <remarks>
    /// A span whose parent (same trace) belongs to another service is one call from the parent's service to the
    /// span's service; its duration and status are the call's. A <see cref="ActivityKind.Client"/> span with no child
    /// in another service and a <c>peer.service</c> (else <c>server.address</c>) attribute is one call to that
    /// peer. A client span with a <see cref="ActivityKind.Server"/> child in its own service is a call of the service
    /// to itself: no edge, neither to the service nor to the address it called.
    /// </remarks>
    public static IReadOnlyList<DependencyEdge> GetDependencies(IEnumerable<StoredSpan> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var byId = new Dictionary<(string TraceId, string SpanId), StoredSpan>();
        foreach (var span in spans)
        {
            byId.TryAdd((span.TraceId, span.SpanId), span);
        }

        var calls = new Dictionary<(string Caller, string Callee), List<StoredSpan>>();
        // Client spans whose callee is known from a stored child: not counted again through their peer attributes.
        var answeredClients = new HashSet<(string TraceId, string SpanId)>();
        foreach (var span in byId.Values)
        {
            if (span.ParentSpanId is null || !byId.TryGetValue((span.TraceId, span.ParentSpanId), out var parent))
            {
                continue;
            }

            if (!string.Equals(parent.ServiceName, span.ServiceName, StringComparison.Ordinal))
            {
                AddCall(calls, parent.ServiceName, span.ServiceName, span);
                answeredClients.Add((parent.TraceId, parent.SpanId));
            }
            else if (span.Kind == ActivityKind.Server)
            {
                // A call to the service itself (through its own address): a self-call, no edge to the address.
                answeredClients.Add((parent.TraceId, parent.SpanId));
            }
        }

        foreach (var span in byId.Values)
        {
            if (span.Kind == ActivityKind.Client && !answeredClients.Contains((span.TraceId, span.SpanId)))
            {
                var peer = span.GetAttribute("peer.service") as string ?? span.GetAttribute("server.address") as string;
                if (!string.IsNullOrEmpty(peer) && !string.Equals(peer, span.ServiceName, StringComparison.Ordinal))
                {
                    AddCall(calls, span.ServiceName, peer, span);
                }
            }
        }

        var edges = new List<DependencyEdge>(calls.Count);
        foreach (var ((caller, callee), list) in calls)
        {
            var errors = 0;
            var durations = new TimeSpan[list.Count];
            for (var i = 0; i < list.Count; i++)
            {
                durations[i] = list[i].Duration;
                errors += list[i].IsError ? 1 : 0;
            }

            Array.Sort(durations);
            edges.Add(new DependencyEdge(caller, callee, list.Count, errors, (double)errors / list.Count, Percentile(durations, 95)));
        }

        edges.Sort(static (x, y) =>
        {
            var byCaller = string.CompareOrdinal(x.Caller, y.Caller);
            return byCaller != 0 ? byCaller : string.CompareOrdinal(x.Callee, y.Callee);
        });
        return edges;

        static void AddCall(Dictionary<(string, string), List<StoredSpan>> calls, string caller, string callee, StoredSpan span)
        {
            if (!calls.TryGetValue((caller, callee), out var list))
            {
                calls[(caller, callee)] = list = [];
            }

            list.Add(span);
        }
    }

    /// <summary>The nearest-rank percentile of sorted durations.</summary>
    /// <param name="sorted">Durations sorted ascending.</param>
    /// <param name="percentile">The percentile, 0 to 100.</param>
    /// <returns>The duration at 1-based rank ⌈percentile/100 × n⌉, or zero for no durations.</returns>
    public static TimeSpan Percentile(ReadOnlySpan<TimeSpan> sorted, double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percentile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        if (sorted.Length == 0)
        {
            return TimeSpan.Zero;
        }

        // Multiply first: percentile × n is exact for whole percentiles, and its quotient by 100 is then a whole
        // number exactly when the rank is (dividing first turns p7 of 100 into 7.000000000000001, rank 8).
        var rank = (int)Math.Ceiling(percentile * sorted.Length / 100.0);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    private static OperationStatistics ComputeStatistics(string service, string name, List<StoredSpan> spans, PerformanceGradingOptions grading)
    {
        var durations = new TimeSpan[spans.Count];
        Span<int> classes = stackalloc int[5];
        var errors = 0;

        // Summed wider than TimeSpan: a few huge durations (possible through SpanStore.Add(StoredSpan)) overflow it.
        Int128 totalTicks = 0;
        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            durations[i] = span.Duration;
            totalTicks += span.Duration.Ticks;
            errors += span.IsError ? 1 : 0;
            classes[(int)Classify(span)]++;
        }

        var operationClass = OperationClass.Other;
        for (var c = 1; c < classes.Length; c++)
        {
            if (classes[c] > classes[(int)operationClass])
            {
                operationClass = (OperationClass)c;
            }
        }

        Array.Sort(durations);
        var p95 = Percentile(durations, 95);
        return new OperationStatistics(
            service,
            name,
            operationClass,
            spans.Count,
            errors,
            (double)errors / spans.Count,
            TimeSpan.FromTicks((long)(totalTicks / spans.Count)),
            Percentile(durations, 50),
            p95,
            Percentile(durations, 99),
            durations[^1],
            SaturatedTimeSpan(totalTicks),
            grading.Grade(operationClass, p95));
    }

    private static TimeSpan SaturatedTimeSpan(Int128 ticks) =>
        ticks > long.MaxValue ? TimeSpan.MaxValue : ticks < long.MinValue ? TimeSpan.MinValue : TimeSpan.FromTicks((long)ticks);

    private static bool StartsWithIgnoreCase(string value, string prefix) => value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase);

    private static bool IsCacheSystem(string? dbSystem) =>
        dbSystem is not null &&
        (dbSystem.Equals("redis", StringComparison.OrdinalIgnoreCase) || dbSystem.Equals("memcached", StringComparison.OrdinalIgnoreCase) ||
         dbSystem.Equals("valkey", StringComparison.OrdinalIgnoreCase) || dbSystem.Equals("hazelcast", StringComparison.OrdinalIgnoreCase));

    private static string? FindString(IReadOnlyList<SpanTag> attributes, string key)
    {
        for (var i = 0; i < attributes.Count; i++)
        {
            if (string.Equals(attributes[i].Key, key, StringComparison.Ordinal))
            {
                return attributes[i].Value as string ?? Convert.ToString(attributes[i].Value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
