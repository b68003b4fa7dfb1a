using System.Diagnostics.Tracing;

namespace Propagation.OpenTelemetry;

/// <summary>
/// The adapter's own diagnostics, as OpenTelemetry's propagators report theirs: an <see cref="EventSource"/> named
/// <c>Propagation-OpenTelemetry</c>, read with <c>dotnet-trace</c>, <c>dotnet-counters</c> or an
/// <see cref="EventListener"/>.
/// </summary>
[EventSource(Name = "Propagation-OpenTelemetry")]
internal sealed class PropagationEventSource : EventSource
{
    public static readonly PropagationEventSource Log = new();

    private PropagationEventSource()
    {
    }

    /// <summary>
    /// The carrier's getter threw during <c>Extract</c>. Only the exception's type is written: its message may quote
    /// what the getter was reading, which is request data.
    /// </summary>
    [NonEvent]
    public void ExtractFailed(Exception exception)
    {
        if (IsEnabled(EventLevel.Warning, EventKeywords.All))
        {
            ExtractFailed(exception.GetType().FullName ?? exception.GetType().Name);
        }
    }

    [Event(1, Level = EventLevel.Warning, Message = "Extract: the carrier's getter threw {0}; the incoming context was returned unchanged.")]
    public void ExtractFailed(string exceptionType) => WriteEvent(1, exceptionType);
}
