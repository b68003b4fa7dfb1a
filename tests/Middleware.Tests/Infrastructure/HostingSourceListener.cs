using System.Collections.Concurrent;
using System.Diagnostics;

namespace Propagation.Middleware.Tests.Infrastructure;

/// <summary>
/// Samples and records every activity of one <see cref="ActivitySource"/> instance: hosting resolves its source
/// from the app's services, one per host, so listening to that instance sees one test host's requests only,
/// without an <c>IHttpContextAccessor</c>.
/// </summary>
internal sealed class HostingSourceListener : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly SemaphoreSlim _stopped = new(0);

    public HostingSourceListener(ActivitySource source)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => ReferenceEquals(s, source),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                Stopped.Enqueue(activity);
                _stopped.Release();
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ConcurrentQueue<Activity> Stopped { get; } = new();

    /// <summary>Waits (at most 10 s) until <paramref name="count"/> activities stopped.</summary>
    public async Task WaitAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.True(await _stopped.WaitAsync(TimeSpan.FromSeconds(10)), $"only {i} of {count} activities stopped");
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _stopped.Dispose();
    }
}
