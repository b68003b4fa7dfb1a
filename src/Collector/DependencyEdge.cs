namespace Propagation.Collector;

/// <summary>Calls from one service to another, as seen in stored traces.</summary>
/// <param name="Caller">The calling service.</param>
/// <param name="Callee">The called service (or, for client spans whose callee never reported, its
/// <c>peer.service</c> or <c>server.address</c>).</param>
/// <param name="CallCount">How many calls.</param>
/// <param name="ErrorCount">How many of them failed.</param>
/// <param name="ErrorRate"><paramref name="ErrorCount"/> / <paramref name="CallCount"/>, 0 to 1.</param>
/// <param name="P95">The 95th percentile (nearest rank) duration of the calls.</param>
public sealed record DependencyEdge(string Caller, string Callee, int CallCount, int ErrorCount, double ErrorRate, TimeSpan P95);
