namespace Grpc.Core;

/// <summary>
/// Starts client calls. Generated clients call through a <see cref="CallInvoker"/>; interceptors wrap one.
/// </summary>
public abstract class CallInvoker
{
    /// <summary>Makes a unary call and waits for its response.</summary>
    /// <typeparam name="TRequest">The request type.</typeparam>
    /// <typeparam name="TResponse">The response type.</typeparam>
    /// <param name="method">The method.</param>
    /// <param name="host">The host; <see langword="null"/> for the channel's.</param>
    /// <param name="options">The call options.</param>
    /// <param name="request">The request.</param>
    /// <returns>The response.</returns>
    public abstract TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a unary call.</summary>
    /// <typeparam name="TRequest">The request type.</typeparam>
    /// <typeparam name="TResponse">The response type.</typeparam>
    /// <param name="method">The method.</param>
    /// <param name="host">The host; <see langword="null"/> for the channel's.</param>
    /// <param name="options">The call options.</param>
    /// <param name="request">The request.</param>
    /// <returns>The call.</returns>
    public abstract AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a server-streaming call.</summary>
    /// <typeparam name="TRequest">The request type.</typeparam>
    /// <typeparam name="TResponse">The response type.</typeparam>
    /// <param name="method">The method.</param>
    /// <param name="host">The host; <see langword="null"/> for the channel's.</param>
    /// <param name="options">The call options.</param>
    /// <param name="request">The request.</param>
    /// <returns>The call.</returns>
    public abstract AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a client-streaming call.</summary>
    /// <typeparam name="TRequest">The request type.</typeparam>
    /// <typeparam name="TResponse">The response type.</typeparam>
    /// <param name="method">The method.</param>
    /// <param name="host">The host; <see langword="null"/> for the channel's.</param>
    /// <param name="options">The call options.</param>
    /// <returns>The call.</returns>
    public abstract AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a duplex-streaming call.</summary>
    /// <typeparam name="TRequest">The request type.</typeparam>
    /// <typeparam name="TResponse">The response type.</typeparam>
    /// <param name="method">The method.</param>
    /// <param name="host">The host; <see langword="null"/> for the channel's.</param>
    /// <param name="options">The call options.</param>
    /// <returns>The call.</returns>
    public abstract AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
        where TRequest : class
        where TResponse : class;
}
