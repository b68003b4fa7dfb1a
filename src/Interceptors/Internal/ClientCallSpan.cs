using System.Diagnostics;
using Grpc.Core;

namespace Propagation.Interceptors;

/// <summary>
/// The client span of one asynchronous call and the inner call it tracks. Ends exactly once,
/// whichever comes first: response received, response stream read to the end, an error status
/// (from the response, the response stream or a streaming call's response headers), cancellation
/// of the call's token, or the call disposed (with the call's final status when it had already ended).
/// </summary>
internal sealed class ClientCallSpan
{
    private readonly Func<object, Status> _getStatus;
    private readonly bool _streaming;
    private readonly DateTime? _deadline;
    private readonly CancellationToken _cancellationToken;
    private CancellationTokenRegistration _registration;
    private int _ended;
    private int _sent;
    private int _received;

    public ClientCallSpan(Activity activity, IDisposable call, Func<object, Status> getStatus, bool streaming, in CallOptions options)
    {
        Activity = activity;
        Call = call;
        _getStatus = getStatus;
        _streaming = streaming;
        _deadline = options.Deadline;
        _cancellationToken = options.CancellationToken;
    }

    public Activity Activity { get; }

    /// <summary>Gets the inner call (an <c>Async*Call</c>) that the wrapper returned to the caller delegates to.</summary>
    public IDisposable Call { get; }

    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    public void CountSent() => Interlocked.Increment(ref _sent);

    public void CountReceived() => Interlocked.Increment(ref _received);

    /// <summary>
    /// Ends the span when the call's token is cancelled, even if the caller never looks at the call again: CANCELLED, or,
    /// for a call that had already ended unseen (an error status or a deadline nobody read), that final status, as when
    /// the call is disposed (the cancellation changes nothing on a call that has ended).
    /// </summary>
    public void EndOnCancellation()
    {
        if (_cancellationToken.CanBeCanceled)
        {
            _registration = _cancellationToken.UnsafeRegister(static state => ((ClientCallSpan)state!).EndCancelled(), this);

            // The call may have ended already: a response that had failed when the call was handed over, or one that
            // arrived on another thread meanwhile. End then found no registration to remove, and this one would keep
            // the span and the call alive for as long as the token lives. The fence pairs with End's exchange: of a
            // store here and a store there, at least one side sees the other's (a torn read of the registration in
            // End removes nothing, and removing twice is harmless).
            Interlocked.MemoryBarrier();
            if (IsEnded)
            {
                _registration.Unregister();
            }
        }
    }

    private void EndCancelled()
    {
        if (IsEnded)
        {
            return;
        }

        End(TryGetFinalStatus(out var code) ? code : StatusCode.Cancelled, exception: null);
    }

    /// <summary>The response stream ended: the final status is the call's (OK unless the call says otherwise).</summary>
    public void EndFromCallStatus()
    {
        if (IsEnded)
        {
            return;
        }

        // Without a status yet (the implementation has not recorded it), the stream ended cleanly: OK.
        End(TryGetFinalStatus(out var code) ? code : StatusCode.OK, exception: null);
    }

    /// <summary>
    /// The call failed: its status is the exception's. An <see cref="OperationCanceledException"/> (a channel with
    /// <c>ThrowOperationCanceledOnCancellation</c> throws it for a deadline too) takes the call's own final status when
    /// the call has one, else the call's token and deadline decide.
    /// </summary>
    public void Fail(Exception exception)
    {
        var code = exception is OperationCanceledException && TryGetFinalStatus(out var status) && status != StatusCode.OK
            ? status
            : RpcSpan.GetClientStatusCode(exception, _deadline, _cancellationToken);
        End(code, exception);
    }

    /// <summary>
    /// A read threw something that is not the call's outcome (a caller's misuse, such as a read while another is
    /// pending): the span ends only if the call has a final status, with that status (and the exception when the status
    /// is an error). A call still running ends the span later through its own outcome.
    /// </summary>
    public void EndIfCallEnded(Exception exception)
    {
        if (!IsEnded && TryGetFinalStatus(out var code))
        {
            End(code, code == StatusCode.OK ? null : exception);
        }
    }

    /// <summary>
    /// The caller disposed the call: the span ends, then the inner call is disposed (cancelling it if still running).
    /// A call that had already ended unseen (an error status or a deadline nobody read) ends the span with its final
    /// status; only a call still running ends as disposed early: CANCELLED, or DEADLINE_EXCEEDED when its deadline has
    /// passed. The span ends first because disposing a running call fails its pending response or read with a CANCELLED
    /// status of its own, whose continuation (inline, or at once on another thread) would otherwise end the span as a
    /// failure, without the disposal.
    /// </summary>
    public void Dispose()
    {
        if (!IsEnded)
        {
            if (TryGetFinalStatus(out var code))
            {
                End(code, exception: null);
            }
            else if (RpcSpan.DeadlinePassed(_deadline))
            {
                End(StatusCode.DeadlineExceeded, exception: null);
            }
            else
            {
                End(StatusCode.Cancelled, exception: null, disposed: true);
            }
        }

        Call.Dispose();
    }

    /// <summary>Reads the inner call's final status; <see langword="false"/> while the call runs (its <c>GetStatus()</c> throws then).</summary>
    private bool TryGetFinalStatus(out StatusCode code)
    {
        try
        {
            code = _getStatus(Call).StatusCode;
            return true;
        }
        catch (InvalidOperationException)
        {
            code = default;
            return false;
        }
    }

    public void End(StatusCode code, Exception? exception, bool disposed = false)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        _registration.Unregister();
        var activity = Activity;
        if (activity.IsAllDataRequested)
        {
            if (exception is not null)
            {
                RpcSpan.RecordException(activity, exception);
            }

            if (disposed)
            {
                activity.AddEvent(new ActivityEvent(GrpcTracingConventions.DisposedEvent));
            }

            RpcSpan.RecordStatus(activity, code, server: false);
            if (_streaming)
            {
                activity.SetTag(GrpcTracingConventions.MessagesSent, Volatile.Read(ref _sent));
                activity.SetTag(GrpcTracingConventions.MessagesReceived, Volatile.Read(ref _received));
            }
        }

        RpcSpan.Stop(activity);
    }
}
