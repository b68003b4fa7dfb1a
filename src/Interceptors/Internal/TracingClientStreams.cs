using Grpc.Core;

namespace Propagation.Interceptors;

/// <summary>
/// A client call's response stream: counts messages and ends the span at the end of the stream or on the call's error
/// (an RPC error or an <see cref="OperationCanceledException"/>, as for the request stream and the response headers). Any
/// other exception is the read's own, not the call's end (a read started while another is pending throws
/// <see cref="InvalidOperationException"/> and the call goes on): it ends the span only when the call has ended, with
/// the call's final status.
/// </summary>
internal sealed class TracingResponseReader<T> : IAsyncStreamReader<T>
{
    private readonly IAsyncStreamReader<T> _inner;
    private readonly ClientCallSpan _span;

    public TracingResponseReader(IAsyncStreamReader<T> inner, ClientCallSpan span)
    {
        _inner = inner;
        _span = span;
    }

    public T Current => _inner.Current;

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        Task<bool> task;
        try
        {
            task = _inner.MoveNext(cancellationToken);
        }
        catch (Exception ex)
        {
            OnFailed(ex);
            throw;
        }

        if (task.IsCompletedSuccessfully)
        {
            OnMoved(task.Result);
            return task;
        }

        return AwaitMoveNext(task);
    }

    private async Task<bool> AwaitMoveNext(Task<bool> task)
    {
        bool more;
        try
        {
            more = await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            OnFailed(ex);
            throw;
        }

        OnMoved(more);
        return more;
    }

    private void OnFailed(Exception exception)
    {
        if (exception is RpcException or OperationCanceledException)
        {
            _span.Fail(exception);
        }
        else
        {
            _span.EndIfCallEnded(exception);
        }
    }

    private void OnMoved(bool more)
    {
        if (more)
        {
            _span.CountReceived();
        }
        else
        {
            _span.EndFromCallStatus();
        }
    }
}

/// <summary>
/// A client call's request stream: counts messages. On a duplex call a write the call's end failed ends the span: an RPC
/// error, or an <see cref="OperationCanceledException"/> (what a channel with <c>ThrowOperationCanceledOnCancellation</c>
/// throws for a cancelled call, its deadline, or the write's own token, which cancels the call). A client-streaming
/// call's span is left to its response, which is always tracked and carries the call's own status: a write can fail
/// while the call succeeds (a server that answers before reading the whole request stream resets it, and grpc-dotnet's
/// write throws CANCELLED while the caller's response is OK).
/// </summary>
internal sealed class TracingRequestWriter<T> : IClientStreamWriter<T>
{
    private readonly IClientStreamWriter<T> _inner;
    private readonly ClientCallSpan _span;
    private readonly bool _failureEndsSpan;

    /// <param name="inner">The inner call's request stream.</param>
    /// <param name="span">The call's span.</param>
    /// <param name="failureEndsSpan">Whether a failed write ends the span (a duplex call); not when a tracked response does.</param>
    public TracingRequestWriter(IClientStreamWriter<T> inner, ClientCallSpan span, bool failureEndsSpan)
    {
        _inner = inner;
        _span = span;
        _failureEndsSpan = failureEndsSpan;
    }

    public WriteOptions? WriteOptions
    {
        get => _inner.WriteOptions;
        set => _inner.WriteOptions = value;
    }

    public Task CompleteAsync() => _inner.CompleteAsync();

    public Task WriteAsync(T message) => Track(_inner.WriteAsync(message));

    /// <summary>Writes with a token (implements grpc-dotnet's default interface method when it has one).</summary>
    public Task WriteAsync(T message, CancellationToken cancellationToken) => Track(_inner.WriteAsync(message, cancellationToken));

    private Task Track(Task task)
    {
        if (task.IsCompletedSuccessfully)
        {
            _span.CountSent();
            return task;
        }

        return AwaitWrite(task);
    }

    private async Task AwaitWrite(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex) when (_failureEndsSpan && ex is RpcException or OperationCanceledException)
        {
            _span.Fail(ex);
            throw;
        }

        _span.CountSent();
    }
}
