namespace Propagation.Collector;

/// <summary>Supplies propagation-health counters (rejected headers, conflicts, restarted contexts) to the
/// <c>propagation</c> endpoint of the tracing API.</summary>
/// <remarks>
/// Register implementations as singletons (<c>services.AddSingleton&lt;IPropagationHealthSource, T&gt;()</c>); the
/// API sums every registered source. Without one, the endpoint serves only what the store can derive (orphan spans)
/// and reports the counters as unavailable. <see cref="GetSnapshot"/> is called once per request and must be cheap,
/// thread-safe and never throw.
/// </remarks>
public interface IPropagationHealthSource
{
    /// <summary>Gets the current counters (cumulative since start).</summary>
    /// <returns>The counters.</returns>
    PropagationHealthSnapshot GetSnapshot();
}
