using System.Diagnostics;
using OpenTelemetry;

namespace Propagation.Collector;

/// <summary>An OpenTelemetry exporter that converts finished activities and adds them to a <see cref="SpanStore"/>.</summary>
/// <remarks>
/// <para>Add it to a <c>TracerProvider</c> with a processor, e.g. <c>AddProcessor(new SimpleActivityExportProcessor(exporter))</c>
/// or a batching processor. Adding to the store never blocks on I/O, so the simple processor is cheap.</para>
/// <para>Service name, first match wins: the provider resource's <c>service.name</c> (unless it is the SDK's
/// <c>unknown_service…</c> placeholder), the activity's <c>service.name</c> tag, the resource placeholder, then
/// <see cref="SpanStoreOptions.DefaultServiceName"/>.</para>
/// </remarks>
public sealed class SpanStoreExporter : BaseExporter<Activity>
{
    private const string ServiceNameKey = "service.name";
    private const string UnknownServicePrefix = "unknown_service";

    private readonly SpanStore _store;
    private string? _resourceServiceName;
    private bool _resourceResolved;

    /// <summary>Initializes a new instance of the <see cref="SpanStoreExporter"/> class.</summary>
    /// <param name="store">The store to add spans to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    public SpanStoreExporter(SpanStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>Gets the store spans are added to.</summary>
    public SpanStore Store => _store;

    /// <summary>Converts and stores a batch of finished activities.</summary>
    /// <param name="batch">The batch.</param>
    /// <returns><see cref="ExportResult.Success"/>; spans the store drops are counted by the store.</returns>
    public override ExportResult Export(in Batch<Activity> batch)
    {
        var resourceName = ResolveResourceServiceName(out var isPlaceholder);
        foreach (var activity in batch)
        {
            string? service = isPlaceholder ? null : resourceName;
            if (service is null && isPlaceholder && activity.GetTagItem(ServiceNameKey) is not string)
            {
                service = resourceName;
            }

            _store.Add(activity, service);
        }

        return ExportResult.Success;
    }

    private string? ResolveResourceServiceName(out bool isPlaceholder)
    {
        if (!_resourceResolved && ParentProvider is { } provider)
        {
            foreach (var attribute in provider.GetResource().Attributes)
            {
                if (string.Equals(attribute.Key, ServiceNameKey, StringComparison.Ordinal) && attribute.Value is string name && name.Length > 0)
                {
                    _resourceServiceName = name;
                    break;
                }
            }

            _resourceResolved = true;
        }

        var resolved = _resourceServiceName;
        isPlaceholder = resolved is not null && resolved.StartsWith(UnknownServicePrefix, StringComparison.Ordinal);
        return resolved;
    }
}
