using System.Runtime.CompilerServices;
using Grpc.Core.Internal;

namespace Grpc.Core;

/// <summary>
/// A client-streaming call in progress: a stream of requests, one response.
/// </summary>
/// <typeparam name="TRequest">The request message type.</typeparam>
/// <typeparam name="TResponse">The response message type.</typeparam>
public sealed class AsyncClientStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly AsyncCallState _callState;

    /// <summary>
    /// Creates a call object.
    /// </summary>
    /// <param name="requestStream">The request stream.</param>
    /// <param name="responseAsync">The response.</param>
    /// <param name="responseHeadersAsync">The response headers.</param>
    /// <param name="getStatusFunc">Returns the status once the call has finished.</param>
    /// <param name="getTrailersFunc">Returns the trailers once the call has finished.</param>
    /// <param name="disposeAction">Runs when the call is disposed.</param>
    public AsyncClientStreamingCall(IClientStreamWriter<TRequest> requestStream, Task<TResponse> responseAsync, Task<Metadata> responseHeadersAsync, Func<Status> getStatusFunc, Func<Metadata> getTrailersFunc, Action disposeAction)
    {
        RequestStream = requestStream;
        ResponseAsync = responseAsync;
        _callState = new AsyncCallState(responseHeadersAsync, getStatusFunc, getTrailersFunc, disposeAction);
    }

    /// <summary>
    /// Creates a call object whose callbacks take a state object.
    /// </summary>
    /// <param name="requestStream">The request stream.</param>
    /// <param name="responseAsync">The response.</param>
    /// <param name="responseHeadersAsync">Returns the response headers.</param>
    /// <param name="getStatusFunc">Returns the status once the call has finished.</param>
    /// <param name="getTrailersFunc">Returns the trailers once the call has finished.</param>
    /// <param name="disposeAction">Runs when the call is disposed.</param>
    /// <param name="state">The state passed to the callbacks.</param>
    public AsyncClientStreamingCall(IClientStreamWriter<TRequest> requestStream, Task<TResponse> responseAsync, Func<object, Task<Metadata>> responseHeadersAsync, Func<object, Status> getStatusFunc, Func<object, Metadata> getTrailersFunc, Action<object> disposeAction, object state)
    {
        RequestStream = requestStream;
        ResponseAsync = responseAsync;
        _callState = new AsyncCallState(responseHeadersAsync, getStatusFunc, getTrailersFunc, disposeAction, state);
    }

    /// <summary>Gets the response.</summary>
    public Task<TResponse> ResponseAsync { get; }

    /// <summary>Gets the response headers.</summary>
    public Task<Metadata> ResponseHeadersAsync => _callState.ResponseHeadersAsync();

    /// <summary>Gets the request stream.</summary>
    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>Gets an awaiter for the response, so the call can be awaited directly.</summary>
    /// <returns>The awaiter.</returns>
    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    /// <summary>Configures how awaiting the response continues.</summary>
    /// <param name="continueOnCapturedContext">Whether to continue on the captured context.</param>
    /// <returns>The configured awaitable.</returns>
    public ConfiguredTaskAwaitable<TResponse> ConfigureAwait(bool continueOnCapturedContext) => ResponseAsync.ConfigureAwait(continueOnCapturedContext);

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
