namespace Propagation.Collector;

/// <summary>The shape of one trace: size, timing, services, root, critical path, orphans and errors.</summary>
/// <param name="TraceId">The trace id.</param>
/// <param name="SpanCount">How many spans the trace has.</param>
/// <param name="StartTime">The earliest span start.</param>
/// <param name="Duration">From the earliest span start to the latest span end.</param>
/// <param name="Services">The distinct service names, sorted ordinally.</param>
/// <param name="Root">The root span: the earliest span without a parent or, when every span has one, the earliest span
/// whose remote parent is not in the trace (the entry span of a trace continued from a caller, as in a store that keeps
/// one service's spans). <see langword="null"/> when there is neither: the only spans without their parent in the trace are
/// orphans.</param>
/// <param name="CriticalPath">The spans on the critical path, sorted by start time (see <see cref="SpanAnalysis.GetCriticalPath"/>).</param>
/// <param name="OrphanSpans">Spans whose local parent is missing: the parent span id is set, the parent is not in the
/// trace and it is not remote (<see cref="StoredSpan.HasRemoteParent"/>). A span whose remote parent is not in the trace
/// (recorded by the calling service) is not an orphan; a span that names itself as its parent is one.</param>
/// <param name="ErrorSpans">Spans whose status is error.</param>
public sealed record TraceSummary(
    string TraceId,
    int SpanCount,
    DateTimeOffset StartTime,
    TimeSpan Duration,
    IReadOnlyList<string> Services,
    StoredSpan? Root,
    IReadOnlyList<StoredSpan> CriticalPath,
    IReadOnlyList<StoredSpan> OrphanSpans,
    IReadOnlyList<StoredSpan> ErrorSpans);
