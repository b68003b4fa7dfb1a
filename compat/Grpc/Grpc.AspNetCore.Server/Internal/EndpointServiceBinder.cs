using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Receives the methods a generated <c>BindService(ServiceBinderBase, TServiceBase)</c> declares and maps each
/// to a <c>POST /{package.Service}/{Method}</c> endpoint whose handler calls the method on a per-call service
/// instance. The generated code passes a null handler (no instance exists yet); the method is found by name and
/// signature on <typeparamref name="TService"/>.
/// </summary>
internal sealed class EndpointServiceBinder<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicMethods)] TService> : ServiceBinderBase
    where TService : class
{
    private readonly IEndpointRouteBuilder _endpoints;
    private readonly ServiceMethodOptions _options;
    private readonly ServiceActivator<TService> _activator;
    private readonly ILogger _logger;

    public EndpointServiceBinder(IEndpointRouteBuilder endpoints, ServiceMethodOptions options, ServiceActivator<TService> activator, ILogger logger)
    {
        _endpoints = endpoints;
        _options = options;
        _activator = activator;
        _logger = logger;
    }

    public List<IEndpointConventionBuilder> Endpoints { get; } = [];

    public HashSet<string> ServiceNames { get; } = new(StringComparer.Ordinal);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        var invoker = CreateInvoker<Func<TService, TRequest, ServerCallContext, Task<TResponse>>>(method, typeof(TRequest), typeof(ServerCallContext));
        Map(method, new UnaryServerCallHandler<TService, TRequest, TResponse>(method, invoker, _options, _activator, _logger).HandleCallAsync);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var invoker = CreateInvoker<Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>>>(
            method, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
        Map(method, new ClientStreamingServerCallHandler<TService, TRequest, TResponse>(method, invoker, _options, _activator, _logger).HandleCallAsync);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var invoker = CreateInvoker<Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task>>(
            method, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
        Map(method, new ServerStreamingServerCallHandler<TService, TRequest, TResponse>(method, invoker, _options, _activator, _logger).HandleCallAsync);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var invoker = CreateInvoker<Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task>>(
            method, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
        Map(method, new DuplexStreamingServerCallHandler<TService, TRequest, TResponse>(method, invoker, _options, _activator, _logger).HandleCallAsync);
    }

    private static TDelegate CreateInvoker<TDelegate>(IMethod method, params Type[] parameterTypes)
        where TDelegate : Delegate
    {
        var methodInfo = typeof(TService).GetMethod(method.Name, BindingFlags.Public | BindingFlags.Instance, binder: null, parameterTypes, modifiers: null)
            ?? throw new InvalidOperationException(
                $"Could not find method '{method.Name}' on service type '{typeof(TService).FullName}' for gRPC method '{method.FullName}'.");

        // An open-instance delegate: the service instance is its first argument, virtual dispatch included.
        return methodInfo.CreateDelegate<TDelegate>();
    }

    private void Map(IMethod method, RequestDelegate requestDelegate)
    {
        ServiceNames.Add(method.ServiceName);
        var endpoint = _endpoints.MapPost(method.FullName, requestDelegate)
            .WithDisplayName($"gRPC - {method.FullName}")
            .WithMetadata(new GrpcMethodEndpointMetadata(method));
        Endpoints.Add(endpoint);
    }
}
