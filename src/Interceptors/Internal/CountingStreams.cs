using Grpc.Core;

namespace Propagation.Interceptors;

/// <summary>Passes a server call's request stream through, counting the messages read.</summary>
internal sealed class CountingStreamReader<T> : IAsyncStreamReader<T>
{
    private readonly IAsyncStreamReader<T> _inner;
    private int _count;

    public CountingStreamReader(IAsyncStreamReader<T> inner) => _inner = inner;

    public int Count => Volatile.Read(ref _count);

    public T Current => _inner.Current;

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        var task = _inner.MoveNext(cancellationToken);
        if (task.IsCompletedSuccessfully)
        {
            if (task.Result)
            {
                Interlocked.Increment(ref _count);
            }

            return task;
        }

        return AwaitMoveNext(task);
    }

    private async Task<bool> AwaitMoveNext(Task<bool> task)
    {
        var more = await task.ConfigureAwait(false);
        if (more)
        {
            Interlocked.Increment(ref _count);
        }

        return more;
    }
}

/// <summary>Passes a server call's response stream through, counting the messages written.</summary>
internal sealed class CountingServerStreamWriter<T> : IServerStreamWriter<T>
{
    private readonly IServerStreamWriter<T> _inner;
    private int _count;

    public CountingServerStreamWriter(IServerStreamWriter<T> inner) => _inner = inner;

    public int Count => Volatile.Read(ref _count);

    public WriteOptions? WriteOptions
    {
        get => _inner.WriteOptions;
        set => _inner.WriteOptions = value;
    }

    public Task WriteAsync(T message) => Track(_inner.WriteAsync(message));

    /// <summary>Writes with a token (implements grpc-dotnet's default interface method when it has one).</summary>
    public Task WriteAsync(T message, CancellationToken cancellationToken) => Track(_inner.WriteAsync(message, cancellationToken));

    private Task Track(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            Interlocked.Increment(ref _count);
            return task;
        }

        return AwaitWrite(task);
    }

    private async Task AwaitWrite(Task task)
    {
        await task.ConfigureAwait(false);
        Interlocked.Increment(ref _count);
    }
}
