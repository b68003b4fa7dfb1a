using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Propagation.Middleware.Tests.Infrastructure;

/// <summary>
/// An ActivityListener scoped to one test: it samples only activities of the test (a request whose
/// url.path starts with the test's prefix, or any activity in a trace it already accepted) and
/// records them when they stop.
/// </summary>
internal sealed class TestListener : IDisposable
{
    // HttpContextAccessor reads a process-wide AsyncLocal: any instance sees the request of the current flow.
    private static readonly HttpContextAccessor Accessor = new();

    private readonly ActivityListener _listener;
    private readonly ConcurrentDictionary<ActivityTraceId, bool> _traces = new();
    private readonly string _pathPrefix;
    private readonly SemaphoreSlim _stopped = new(0);

    public TestListener(string pathPrefix, params string[] sources)
    {
        _pathPrefix = pathPrefix;
        var names = new HashSet<string>(sources, StringComparer.Ordinal);
        _listener = new ActivityListener
        {
            ShouldListenTo = source => names.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> options) => Decide(ref options),
            ActivityStopped = activity =>
            {
                if (_traces.ContainsKey(activity.TraceId))
                {
                    Stopped.Enqueue(activity);
                    _stopped.Release();
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ConcurrentQueue<Activity> Stopped { get; } = new();

    public IReadOnlyList<Activity> From(string source) => Stopped.Where(a => a.Source.Name == source).ToList();

    public void Accept(ActivityTraceId traceId) => _traces[traceId] = true;

    /// <summary>
    /// Waits (at most 10 s) until <paramref name="count"/> activities stopped: hosting stops its activity
    /// when it disposes the request, which TestServer may do after the client already has the response.
    /// </summary>
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

    private ActivitySamplingResult Decide(ref ActivityCreationOptions<ActivityContext> options)
    {
        if (options.Source.Name.StartsWith("Tests.", StringComparison.Ordinal))
        {
            // A test's own uniquely named source: its activities start the traces the test follows.
            _traces[options.TraceId] = true;
            return ActivitySamplingResult.AllDataAndRecorded;
        }

        if (options.Parent != default && _traces.ContainsKey(options.Parent.TraceId))
        {
            _traces[options.TraceId] = true;
            return ActivitySamplingResult.AllDataAndRecorded;
        }

        if (options.Tags is not null)
        {
            foreach (var tag in options.Tags)
            {
                if (tag.Key == "url.path" && tag.Value is string path && path.StartsWith(_pathPrefix, StringComparison.Ordinal))
                {
                    _traces[options.TraceId] = true;
                    return ActivitySamplingResult.AllDataAndRecorded;
                }
            }
        }

        // Hosting passes no creation tags: identify this test's requests by the current request's path.
        if (Accessor.HttpContext?.Request.Path.Value is { } current && current.StartsWith(_pathPrefix, StringComparison.Ordinal))
        {
            _traces[options.TraceId] = true;
            return ActivitySamplingResult.AllDataAndRecorded;
        }

        return ActivitySamplingResult.None;
    }
}
