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
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Gets the test's root activity (current after construction); every recorded span is in its trace.</summary>
    public Activity Parent { get; }

    public IReadOnlyList<Activity> Stopped => [.. _stopped];

    public void Dispose()
    {
        _listener.Dispose();
        Parent.Dispose();
    }
}
