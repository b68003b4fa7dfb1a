using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Grpc.AspNetCore.Server.Internal;

internal sealed class ServerStreamingServerCallHandler<TService, TRequest, TResponse> : ServerCallHandler<TService, TRequest, TResponse>
    where TService : class
    where TRequest : class
    where TResponse : class
{
    private readonly Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> _invoker;

    public ServerStreamingServerCallHandler(
        Method<TRequest, TResponse> method,
        Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> invoker,
        ServiceMethodOptions options,
        ServiceActivator<TService> activator,
        ILogger logger)
        : base(method, options, activator, logger)
    {
        _invoker = invoker;
    }

    protected override async Task HandleCallCoreAsync(HttpContextServerCallContext call, Interceptor[]? interceptors)
    {
        var request = await call.ReadSingleMessageAsync(Deserializer).ConfigureAwait(false);
        var writer = new HttpContextStreamWriter<TResponse>(call, Serializer);

        if (interceptors is null)
        {
            await InvokeServiceAsync(call, request, writer, call).ConfigureAwait(false);
            return;
        }

        ServerStreamingServerMethod<TRequest, TResponse> continuation = (r, w, c) => InvokeServiceAsync(call, r, w, c);
        for (var i = interceptors.Length - 1; i >= 0; i--)
        {
            var next = continuation;
            var interceptor = interceptors[i];
            continuation = (r, w, c) => interceptor.ServerStreamingServerHandler(r, w, c, next);
        }

        await continuation(request, writer, call).ConfigureAwait(false);
    }

    private async Task InvokeServiceAsync(HttpContextServerCallContext call, TRequest request, IServerStreamWriter<TResponse> writer, ServerCallContext context)
    {
        var service = Activator.Create(call.HttpContext.RequestServices, out var created);
        try
        {
            await _invoker(service, request, writer, context).ConfigureAwait(false);
        }
        finally
        {
            await ServiceActivator<TService>.ReleaseAsync(service, created).ConfigureAwait(false);
        }
    }
}
