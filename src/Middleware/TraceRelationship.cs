namespace Propagation.Middleware;

/// <summary>How queued or fire-and-forget work relates to the context captured when it was queued.</summary>
public enum TraceRelationship
{
    /// <summary>The work's span is a child of the captured span (same trace) and carries its baggage.</summary>
    Child = 0,

    /// <summary>
    /// The work's span starts a new trace with a link to the captured span (link attribute
    /// <c>propagation.link.reason</c> = <c>background_work</c>) and carries its baggage. For work that outlives
    /// the request by far, so the request's trace keeps a sensible duration.
    /// </summary>
    NewRootLinked = 1,

    /// <summary>The work's span starts a new trace with no link and no baggage.</summary>
    Detached = 2,
}
