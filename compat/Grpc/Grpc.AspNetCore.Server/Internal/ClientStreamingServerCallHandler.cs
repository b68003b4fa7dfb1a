using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Grpc.AspNetCore.Server.Internal;

internal sealed class ClientStreamingServerCallHandler<TService, TRequest, TResponse> : ServerCallHandler<TService, TRequest, TResponse>
    where TService : class
    where TRequest : class
    where TResponse : class
{
    private readonly Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> _invoker;

    public ClientStreamingServerCallHandler(
        Method<TRequest, TResponse> method,
        Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> invoker,
        ServiceMethodOptions options,
        ServiceActivator<TService> activator,
        ILogger logger)
        : base(method, options, activator, logger)
    {
        _invoker = invoker;
    }

    protected override async Task HandleCallCoreAsync(HttpContextServerCallContext call, Interceptor[]? interceptors)
    {
        var reader = new HttpContextStreamReader<TRequest>(call, Deserializer);

        TResponse? response;
        if (interceptors is null)
        {
            response = await InvokeServiceAsync(call, reader, call).ConfigureAwait(false);
        }
        else
        {
            ClientStreamingServerMethod<TRequest, TResponse> continuation = (r, c) => InvokeServiceAsync(call, r, c);
            for (var i = interceptors.Length - 1; i >= 0; i--)
            {
                var next = continuation;
                var interceptor = interceptors[i];
                continuation = (r, c) => interceptor.ClientStreamingServerHandler(r, c, next);
            }

            response = await continuation(reader, call).ConfigureAwait(false);
        }

        if (response is null)
        {
            // As grpc-dotnet (and Grpc.Core before it): a handler that returned no message ends the call CANCELLED.
            throw new RpcException(new Status(StatusCode.Cancelled, "No message returned from method."));
        }

        await call.WriteMessageAsync(response, Serializer, flush: false, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<TResponse> InvokeServiceAsync(HttpContextServerCallContext call, IAsyncStreamReader<TRequest> reader, ServerCallContext context)
    {
        var service = Activator.Create(call.HttpContext.RequestServices, out var created);
        try
        {
            return await _invoker(service, reader, context).ConfigureAwait(false);
        }
        finally
        {
            await ServiceActivator<TService>.ReleaseAsync(service, created).ConfigureAwait(false);
        }
    }
}
