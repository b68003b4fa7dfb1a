using Propagation.Collector;

namespace Propagation.Middleware.Internal;

/// <summary>Feeds this app's <see cref="PropagationHealth"/> to the <c>propagation</c> endpoint of the tracing API.</summary>
internal sealed class PropagationHealthSource : IPropagationHealthSource
{
    private static readonly PropagationIssues[] Rejected =
    [
        PropagationIssues.TraceParentInvalid, PropagationIssues.TraceParentDuplicated, PropagationIssues.TraceStateInvalid,
        PropagationIssues.BaggageInvalid, PropagationIssues.LegacyInvalid, PropagationIssues.B3Invalid, PropagationIssues.HeaderTooLong,
    ];

    private static readonly PropagationIssues[] Trimmed =
    [
        PropagationIssues.TraceStateMembersDropped, PropagationIssues.TraceStateTruncated, PropagationIssues.BaggageTruncated,
        PropagationIssues.LegacySpanIdMissing,
    ];

    private readonly PropagationHealth _health;

    public PropagationHealthSource(PropagationHealth health) => _health = health;

    public PropagationHealthSnapshot GetSnapshot() => new()
    {
        RejectedHeaders = Count(Rejected),
        TrimmedHeaders = Count(Trimmed),
        FormatConflicts = _health.GetCount(PropagationIssues.FormatConflict),
        RestartedContexts = _health.GetCount(PropagationIssues.RestartedByPolicy),
        IgnoredContexts = _health.GetCount(PropagationIssues.IgnoredByPolicy),
        UnsampledInboundRequests = _health.GetCount(PropagationIssues.ArrivedUnsampled),
    };

    private Dictionary<string, long> Count(PropagationIssues[] reasons)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var reason in reasons)
        {
            result[PropagationHealth.GetReasonName(reason)] = _health.GetCount(reason);
        }

        return result;
    }
}
