using Grpc.Core.Internal;

namespace Grpc.Core;

/// <summary>
/// A server-streaming call in progress: one request, a stream of responses.
/// </summary>
/// <typeparam name="TResponse">The response message type.</typeparam>
public sealed class AsyncServerStreamingCall<TResponse> : IDisposable
{
    private readonly AsyncCallState _callState;

    /// <summary>
    /// Creates a call object.
    /// </summary>
    /// <param name="responseStream">The response stream.</param>
    /// <param name="responseHeadersAsync">The response headers.</param>
    /// <param name="getStatusFunc">Returns the status once the call has finished.</param>
    /// <param name="getTrailersFunc">Returns the trailers once the call has finished.</param>
    /// <param name="disposeAction">Runs when the call is disposed.</param>
    public AsyncServerStreamingCall(IAsyncStreamReader<TResponse> responseStream, Task<Metadata> responseHeadersAsync, Func<Status> getStatusFunc, Func<Metadata> getTrailersFunc, Action disposeAction)
    {
        ResponseStream = responseStream;
        _callState = new AsyncCallState(responseHeadersAsync, getStatusFunc, getTrailersFunc, disposeAction);
    }

    /// <summary>
    /// Creates a call object whose callbacks take a state object.
    /// </summary>
    /// <param name="responseStream">The response stream.</param>
    /// <param name="responseHeadersAsync">Returns the response headers.</param>
    /// <param name="getStatusFunc">Returns the status once the call has finished.</param>
    /// <param name="getTrailersFunc">Returns the trailers once the call has finished.</param>
    /// <param name="disposeAction">Runs when the call is disposed.</param>
    /// <param name="state">The state passed to the callbacks.</param>
    public AsyncServerStreamingCall(IAsyncStreamReader<TResponse> responseStream, Func<object, Task<Metadata>> responseHeadersAsync, Func<object, Status> getStatusFunc, Func<object, Metadata> getTrailersFunc, Action<object> disposeAction, object state)
    {
        ResponseStream = responseStream;
        _callState = new AsyncCallState(responseHeadersAsync, getStatusFunc, getTrailersFunc, disposeAction, state);
    }

    /// <summary>Gets the response stream.</summary>
    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    /// <summary>Gets the response headers.</summary>
    public Task<Metadata> ResponseHeadersAsync => _callState.ResponseHeadersAsync();

    /// <summary>Gets the status of a finished call.</summary>
    /// <returns>The status.</returns>
    /// <exception cref="InvalidOperationException">The call has not finished.</exception>
    public Status GetStatus() => _callState.GetStatus();

    /// <summary>Gets the trailers of a finished call.</summary>
    /// <returns>The trailers.</returns>
    /// <exception cref="InvalidOperationException">The call has not finished.</exception>
    public Metadata GetTrailers() => _callState.GetTrailers();

    /// <summary>Cancels the call if it has not finished and releases its resources.</summary>
    public void Dispose() => _callState.Dispose();
}
