using System.Collections.Concurrent;
using System.Diagnostics;

namespace Propagation.Interceptors.Tests.Infrastructure;

/// <summary>
/// Records the stopped spans of one trace from shared, fixed-name sources (the ones the DI-built
/// interceptors and the HTTP handler use). Other tests' spans are ignored by trace id.
/// </summary>
public sealed class TraceRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly SemaphoreSlim _signal = new(0);

    public TraceRecorder(params string[] sourceNames)
    {
        Parent = new Activity("test-root").SetIdFormat(ActivityIdFormat.W3C);
        Parent.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        Parent.Start();
        var traceId = Parent.TraceId;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => sourceNames.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    _stopped.Enqueue(activity);
                    _signal.Release();
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Gets the test's root activity (current after construction); every recorded span is in its trace.</summary>
    public Activity Parent { get; }

    public IReadOnlyList<Activity> Stopped => [.. _stopped];

    /// <summary>
    /// Waits (bounded) until a span matching <paramref name="predicate"/> has stopped. A server span can stop
    /// after the client already has the response: hosting ends its activity when it disposes the request.
    /// </summary>
    public async Task WaitForStoppedAsync(Func<Activity, bool> predicate, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!_stopped.Any(predicate))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _signal.WaitAsync(left))
            {
                throw new TimeoutException($"No matching span stopped; stopped: {string.Join(", ", _stopped.Select(a => a.DisplayName))}");
            }
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        Parent.Dispose();
        _signal.Dispose();
    }
}
