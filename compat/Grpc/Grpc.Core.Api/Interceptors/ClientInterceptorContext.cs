namespace Grpc.Core.Interceptors;

/// <summary>
/// What a client interceptor knows about the call it intercepts: method, host and options.
/// </summary>
/// <typeparam name="TRequest">The request type.</typeparam>
/// <typeparam name="TResponse">The response type.</typeparam>
#pragma warning disable CA1815 // grpc-dotnet's ClientInterceptorContext defines no equality.
public readonly struct ClientInterceptorContext<TRequest, TResponse>
#pragma warning restore CA1815
    where TRequest : class
    where TResponse : class
{
    /// <summary>
    /// Creates a context.
    /// </summary>
    /// <param name="method">The method.</param>
    /// <param name="host">The host, or <see langword="null"/>.</param>
    /// <param name="options">The call options.</param>
    public ClientInterceptorContext(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        Method = method;
        Host = host;
        Options = options;
    }

    /// <summary>Gets the method being called.</summary>
    public Method<TRequest, TResponse> Method { get; }

    /// <summary>Gets the host, or <see langword="null"/> for the channel's.</summary>
    public string? Host { get; }

    /// <summary>Gets the call options.</summary>
    public CallOptions Options { get; }
}
