namespace Grpc.Core.Internal;

/// <summary>
/// The header, status, trailer and dispose callbacks shared by the four call types, in either
/// the plain-delegate or the state-object form.
/// </summary>
internal readonly struct AsyncCallState
{
    private readonly object? _responseHeadersAsync;
    private readonly object? _getStatusFunc;
    private readonly object? _getTrailersFunc;
    private readonly object? _disposeAction;
    private readonly object? _state;

    public AsyncCallState(Task<Metadata> responseHeadersAsync, Func<Status> getStatusFunc, Func<Metadata> getTrailersFunc, Action disposeAction)
    {
        _responseHeadersAsync = responseHeadersAsync;
        _getStatusFunc = getStatusFunc;
        _getTrailersFunc = getTrailersFunc;
        _disposeAction = disposeAction;
        _state = null;
    }

    public AsyncCallState(Func<object, Task<Metadata>> responseHeadersAsync, Func<object, Status> getStatusFunc, Func<object, Metadata> getTrailersFunc, Action<object> disposeAction, object state)
    {
        _responseHeadersAsync = responseHeadersAsync;
        _getStatusFunc = getStatusFunc;
        _getTrailersFunc = getTrailersFunc;
        _disposeAction = disposeAction;
        _state = state;
    }

    public Task<Metadata> ResponseHeadersAsync() => _responseHeadersAsync switch
    {
        Task<Metadata> task => task,
        Func<object, Task<Metadata>> func => func(_state!),
        _ => throw new InvalidOperationException("The call has no response headers callback."),
    };

    public Status GetStatus() => _getStatusFunc switch
    {
        Func<Status> func => func(),
        Func<object, Status> func => func(_state!),
        _ => throw new InvalidOperationException("The call has no status callback."),
    };

    public Metadata GetTrailers() => _getTrailersFunc switch
    {
        Func<Metadata> func => func(),
        Func<object, Metadata> func => func(_state!),
        _ => throw new InvalidOperationException("The call has no trailers callback."),
    };

    public void Dispose()
    {
        switch (_disposeAction)
        {
            case Action action:
                action();
                break;
            case Action<object> action:
                action(_state!);
                break;
            default:
                break;
        }
    }
}
