using System.Diagnostics;

namespace Propagation.Tests.Composite;

/// <summary>An activity source, named uniquely per test, with a listener that records every activity; disposed together.</summary>
internal sealed class SampledActivitySource : IDisposable
{
    private readonly ActivityListener _listener;

    public SampledActivitySource(string name)
    {
        Source = new ActivitySource(name + Guid.NewGuid());
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
