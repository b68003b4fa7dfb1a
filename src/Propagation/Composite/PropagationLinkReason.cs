namespace Propagation;

/// <summary>Why an inbound context became a link instead of the parent.</summary>
public enum PropagationLinkReason
{
    /// <summary>
    /// Another format on the same request carried a different trace id and won by precedence
    /// (attribute value <c>format_conflict</c>).
    /// </summary>
    FormatConflict = 0,

    /// <summary>The trust policy restarted the trace (attribute value <c>restarted_by_policy</c>).</summary>
    RestartedByPolicy = 1,
}
