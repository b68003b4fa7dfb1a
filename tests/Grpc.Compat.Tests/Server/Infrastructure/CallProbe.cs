using System.Collections.Concurrent;

namespace Grpc.Compat.Tests.Server.Infrastructure;

/// <summary>Records what happened on the server during one test (one instance per test host).</summary>
public sealed class CallProbe
{
    private readonly ConcurrentQueue<string> _events = new();

    public TaskCompletionSource CancellationObserved { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource HandlerStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<Exception> WriteAfterDeadlineFailed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<string> Events => [.. _events];

    public void Record(string e) => _events.Enqueue(e);

    public int Count(string e) => _events.Count(x => x == e);
}
