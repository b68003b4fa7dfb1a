namespace Grpc.Core;

/// <summary>
/// Receives the methods of a service from generated <c>BindService</c> code. A server implementation overrides the methods it supports.
/// </summary>
public class ServiceBinderBase
{
    /// <summary>Adds a unary method.</summary>
    /// <typeparam name="TRequest">The request type.</typeparam>
    /// <typeparam name="TResponse">The response type.</typeparam>
    /// <param name="method">The method.</param>
    /// <param name="handler">The handler; <see langword="null"/> when only the description is bound.</param>
    public virtual void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class
    {
        throw new NotImplementedException();
    }

    /// <summary>Adds a client-streaming method.</summary>
    /// <typeparam name="TRequest">The request type.</typeparam>
    /// <typeparam name="TResponse">The response type.</typeparam>
    /// <param name="method">The method.</param>
    /// <param name="handler">The handler; <see langword="null"/> when only the description is bound.</param>
    public virtual void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class
    {
        throw new NotImplementedException();
    }

    /// <summary>Adds a server-streaming method.</summary>
    /// <typeparam name="TRequest">The request type.</typeparam>
    /// <typeparam name="TResponse">The response type.</typeparam>
    /// <param name="method">The method.</param>
    /// <param name="handler">The handler; <see langword="null"/> when only the description is bound.</param>
    public virtual void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class
    {
        throw new NotImplementedException();
    }

    /// <summary>Adds a duplex-streaming method.</summary>
    /// <typeparam name="TRequest">The request type.</typeparam>
    /// <typeparam name="TResponse">The response type.</typeparam>
    /// <param name="method">The method.</param>
    /// <param name="handler">The handler; <see langword="null"/> when only the description is bound.</param>
    public virtual void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class
    {
        throw new NotImplementedException();
    }
}
