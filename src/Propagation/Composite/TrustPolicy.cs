namespace Propagation;

/// <summary>
/// How far the inbound trace context of one request is trusted. The host layer decides it per
/// request (for example: continue for callers from known networks, restart and link for the rest).
/// </summary>
public enum TrustPolicy
{
    /// <summary>Continue the inbound trace: its ids, sampling decision, <c>tracestate</c> and baggage.</summary>
    Continue = 0,

    /// <summary>
    /// Continue the inbound trace but ignore its sampling flag: the parent is marked sampled
    /// whatever the caller sent (reported as <see cref="PropagationIssues.SamplingIgnoredByPolicy"/>).
    /// </summary>
    ContinueIgnoreSampling = 1,

    /// <summary>
    /// Start a new trace and link the inbound context to it (link reason <c>restarted_by_policy</c>);
    /// <c>tracestate</c> and baggage are dropped (reported as <see cref="PropagationIssues.RestartedByPolicy"/>).
    /// The caller's sampling flag is not followed either: the new root is sampled as this service's sampler decides for
    /// a root.
    /// </summary>
    RestartAndLink = 2,

    /// <summary>
    /// Ignore the inbound context entirely: no parent, no link, no baggage; headers are not parsed
    /// (reported as <see cref="PropagationIssues.IgnoredByPolicy"/> when any was present). The new root is sampled as
    /// this service's sampler decides for a root.
    /// </summary>
    Ignore = 3,
}
