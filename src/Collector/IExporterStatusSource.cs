namespace Propagation.Collector;

/// <summary>Supplies exporter counters (exported, dropped, failed spans) to the <c>status</c> and <c>health</c>
/// endpoints of the tracing API.</summary>
/// <remarks>
/// The extension point for the export pipeline: register implementations as singletons
/// (<c>services.AddSingleton&lt;IExporterStatusSource, T&gt;()</c>); the API lists the statuses of every registered
/// source. <see cref="GetExporterStatuses"/> is called once per request and must be cheap, thread-safe and never throw.
/// </remarks>
public interface IExporterStatusSource
{
    /// <summary>Gets the current status of each exporter.</summary>
    /// <returns>One entry per exporter.</returns>
    IReadOnlyList<ExporterStatus> GetExporterStatuses();
}
