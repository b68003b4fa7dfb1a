namespace Grpc.Core;

/// <summary>
/// A service's methods with their handlers, built by generated <c>BindService(TServiceBase)</c> code.
/// </summary>
public class ServerServiceDefinition
{
    private readonly IReadOnlyList<Action<ServiceBinderBase>> _addMethodActions;

    internal ServerServiceDefinition(IReadOnlyList<Action<ServiceBinderBase>> addMethodActions)
    {
        _addMethodActions = addMethodActions;
    }

    /// <summary>
    /// Creates a builder.
    /// </summary>
    /// <returns>The builder.</returns>
    public static Builder CreateBuilder() => new();

    /// <summary>
    /// Adds every method of this definition to a binder.
    /// </summary>
    /// <param name="serviceBinder">The binder.</param>
    internal void BindService(ServiceBinderBase serviceBinder)
    {
        ArgumentNullException.ThrowIfNull(serviceBinder);
        foreach (var addMethod in _addMethodActions)
        {
            addMethod(serviceBinder);
        }
    }

    /// <summary>
    /// Builds a <see cref="ServerServiceDefinition"/>.
    /// </summary>
#pragma warning disable CA1034 // Nested type is part of grpc-dotnet's API shape.
    public class Builder
#pragma warning restore CA1034
    {
        private readonly HashSet<string> _fullNames = new(StringComparer.Ordinal);
        private readonly List<Action<ServiceBinderBase>> _addMethodActions = [];

        /// <summary>
        /// Creates a builder.
        /// </summary>
        public Builder()
        {
        }

        /// <summary>Adds a unary method.</summary>
        /// <typeparam name="TRequest">The request type.</typeparam>
        /// <typeparam name="TResponse">The response type.</typeparam>
        /// <param name="method">The method.</param>
        /// <param name="handler">The handler.</param>
        /// <returns>This builder.</returns>
        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
            where TRequest : class
            where TResponse : class
        {
            Register(method);
            _addMethodActions.Add(binder => binder.AddMethod(method, handler));
            return this;
        }

        /// <summary>Adds a client-streaming method.</summary>
        /// <typeparam name="TRequest">The request type.</typeparam>
        /// <typeparam name="TResponse">The response type.</typeparam>
        /// <param name="method">The method.</param>
        /// <param name="handler">The handler.</param>
        /// <returns>This builder.</returns>
        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class
            where TResponse : class
        {
            Register(method);
            _addMethodActions.Add(binder => binder.AddMethod(method, handler));
            return this;
        }

        /// <summary>Adds a server-streaming method.</summary>
        /// <typeparam name="TRequest">The request type.</typeparam>
        /// <typeparam name="TResponse">The response type.</typeparam>
        /// <param name="method">The method.</param>
        /// <param name="handler">The handler.</param>
        /// <returns>This builder.</returns>
        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class
            where TResponse : class
        {
            Register(method);
            _addMethodActions.Add(binder => binder.AddMethod(method, handler));
            return this;
        }

        /// <summary>Adds a duplex-streaming method.</summary>
        /// <typeparam name="TRequest">The request type.</typeparam>
        /// <typeparam name="TResponse">The response type.</typeparam>
        /// <param name="method">The method.</param>
        /// <param name="handler">The handler.</param>
        /// <returns>This builder.</returns>
        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class
            where TResponse : class
        {
            Register(method);
            _addMethodActions.Add(binder => binder.AddMethod(method, handler));
            return this;
        }

        /// <summary>
        /// Builds the definition.
        /// </summary>
        /// <returns>The definition.</returns>
        public ServerServiceDefinition Build() => new(_addMethodActions.ToArray());

        private void Register(IMethod method)
        {
            ArgumentNullException.ThrowIfNull(method);
            if (!_fullNames.Add(method.FullName))
            {
                throw new ArgumentException($"Method '{method.FullName}' was already added to this service definition.", nameof(method));
            }
        }
    }
}
