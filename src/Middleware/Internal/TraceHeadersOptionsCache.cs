using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Propagation.Middleware.Internal;

/// <summary>
/// Each client's <see cref="TraceHeadersOptions"/>, read once per app: the factory builds a client's handlers again at
/// each <c>HandlerLifetime</c>, and the options monitor reads the options again after a configuration reload when the
/// app bound them to a section. Every rotation gets the options the client was first built with, as
/// <see cref="TracingOptions"/> are read once; a reloaded value that is invalid (or that the binder cannot read) then
/// never makes creating the client throw.
/// </summary>
internal sealed class TraceHeadersOptionsCache
{
    private readonly IOptionsMonitor<TraceHeadersOptions> _monitor;

    // Keyed by client name, as the options monitor's own cache is (which keeps every name it was asked for).
    private readonly ConcurrentDictionary<string, TraceHeadersOptions> _options = new(StringComparer.Ordinal);

    public TraceHeadersOptionsCache(IOptionsMonitor<TraceHeadersOptions> monitor) => _monitor = monitor;

    /// <summary>Gets the options of client <paramref name="name"/>; an invalid value throws, and is not kept.</summary>
    public TraceHeadersOptions Get(string? name) =>
        _options.GetOrAdd(name ?? Options.DefaultName, static (key, monitor) => monitor.Get(key), _monitor);
}
