using System.Diagnostics;

namespace Propagation.Testing;

/// <summary>
/// An activity source, named uniquely per use (tests run in parallel, so no listener is shared), with a listener that
/// records every activity it starts; disposed together. Compiled into each test project that needs it.
/// </summary>
internal sealed class SampledActivitySource : IDisposable
{
    private readonly ActivityListener _listener;

    public SampledActivitySource(string name = "Propagation.Tests")
    {
        Source = new ActivitySource(name + "." + Guid.NewGuid().ToString("N"));
        _listener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, Source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ActivitySource Source { get; }

    public void Dispose()
    {
        _listener.Dispose();
        Source.Dispose();
    }
}
