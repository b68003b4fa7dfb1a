namespace Grpc.Core;

/// <summary>
/// A description of a remote method with its request and response marshallers.
/// </summary>
/// <typeparam name="TRequest">The request message type.</typeparam>
/// <typeparam name="TResponse">The response message type.</typeparam>
public class Method<TRequest, TResponse> : IMethod
{
    /// <summary>
    /// Creates a new method description.
    /// </summary>
    /// <param name="type">The type of the method.</param>
    /// <param name="serviceName">The fully qualified service name.</param>
    /// <param name="name">The unqualified method name.</param>
    /// <param name="requestMarshaller">The marshaller for requests.</param>
    /// <param name="responseMarshaller">The marshaller for responses.</param>
    public Method(MethodType type, string serviceName, string name, Marshaller<TRequest> requestMarshaller, Marshaller<TResponse> responseMarshaller)
    {
        ArgumentNullException.ThrowIfNull(serviceName);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(requestMarshaller);
        ArgumentNullException.ThrowIfNull(responseMarshaller);
        Type = type;
        ServiceName = serviceName;
        Name = name;
        RequestMarshaller = requestMarshaller;
        ResponseMarshaller = responseMarshaller;
        FullName = "/" + serviceName + "/" + name;
    }

    /// <inheritdoc />
    public MethodType Type { get; }

    /// <inheritdoc />
    public string ServiceName { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Gets the marshaller for request messages.</summary>
    public Marshaller<TRequest> RequestMarshaller { get; }

    /// <summary>Gets the marshaller for response messages.</summary>
    public Marshaller<TResponse> ResponseMarshaller { get; }

    /// <inheritdoc />
    public string FullName { get; }
}
