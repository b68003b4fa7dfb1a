using System.Collections.Concurrent;
using System.Diagnostics;

namespace Propagation.Interceptors.Tests.Infrastructure;

/// <summary>
/// A uniquely named <see cref="ActivitySource"/> with its own listener recording every stopped span
/// (tests run in parallel, so no listener is shared).
/// </summary>
public sealed class SpanRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ConcurrentQueue<Activity> _started = new();
    private readonly SemaphoreSlim _signal = new(0);

    public SpanRecorder(ActivitySamplingResult sampling = ActivitySamplingResult.AllDataAndRecorded)
    {
        Source = new ActivitySource("Propagation.Interceptors.Tests." + Guid.NewGuid().ToString("N"));
        _listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, Source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => sampling,
            ActivityStarted = activity => _started.Enqueue(activity),
            ActivityStopped = activity =>
            {
                _stopped.Enqueue(activity);
                _signal.Release();
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ActivitySource Source { get; }

    public IReadOnlyList<Activity> Stopped => [.. _stopped];

    public IReadOnlyList<Activity> Started => [.. _started];

    /// <summary>Gets the spans started and not stopped.</summary>
    public IReadOnlyList<Activity> Open => [.. _started.Where(a => !a.IsStopped)];

    /// <summary>Waits (bounded) until <paramref name="count"/> spans have stopped; returns them.</summary>
    public async Task<IReadOnlyList<Activity>> WaitForStoppedAsync(int count, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (_stopped.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _signal.WaitAsync(left))
            {
                throw new TimeoutException($"Expected {count} stopped spans, got {_stopped.Count}: {string.Join(", ", _stopped.Select(a => a.DisplayName))}; open: {string.Join(", ", Open.Select(a => a.DisplayName))}");
            }
        }

        return Stopped;
    }

    /// <summary>Waits (bounded) until <paramref name="count"/> spans have started.</summary>
    public async Task WaitForStartedAsync(int count, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (_started.Count < count)
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Expected {count} started spans, got {_started.Count}.");
            }

            await Task.Delay(10);
        }
    }

    public Activity Single(ActivityKind kind) => Assert.Single(Stopped, a => a.Kind == kind);

    public void Dispose()
    {
        _listener.Dispose();
        Source.Dispose();
        _signal.Dispose();
    }
}
