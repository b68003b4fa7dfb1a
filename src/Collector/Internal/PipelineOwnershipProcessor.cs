using System.Diagnostics;
using OpenTelemetry;

namespace Propagation.Collector.Internal;

/// <summary>Forwards finished spans to the app's export processors only when the app owns them (see
/// <see cref="TracingOwnership"/>).</summary>
/// <remarks>
/// Derived from <see cref="CompositeProcessor{T}"/> so the inner export processors still receive the tracer
/// provider (their exporters read the resource through it), flush and shutdown. Rule, applied at span end:
/// the nearest marked activity among the span and its in-process ancestors decides; marked with this app's owner
/// means export, with another owner means skip; no mark at all means export only when
/// <see cref="TracingPipelineOptions.ExportUnownedSpans"/> is on.
/// </remarks>
internal sealed class PipelineOwnershipProcessor : CompositeProcessor<Activity>
{
    private readonly TracingOwner _owner;
    private readonly bool _exportUnowned;

    public PipelineOwnershipProcessor(IEnumerable<BaseProcessor<Activity>> processors, TracingOwner owner, bool exportUnowned)
        : base(processors)
    {
        _owner = owner;
        _exportUnowned = exportUnowned;
    }

    public override void OnStart(Activity data)
    {
        // Ownership is only known once the host layer marked the server span; export processors ignore OnStart.
    }

    public override void OnEnd(Activity data)
    {
        // Unsampled spans are never exported: skip the parent walk for them.
        if (data.Recorded && IsExported(data))
        {
            base.OnEnd(data);
        }
    }

    internal bool IsExported(Activity activity)
    {
        var owner = TracingOwnership.GetOwner(activity);
        return owner is null ? _exportUnowned : ReferenceEquals(owner, _owner);
    }
}
