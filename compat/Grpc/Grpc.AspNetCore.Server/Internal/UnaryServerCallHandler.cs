using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Grpc.AspNetCore.Server.Internal;

internal sealed class UnaryServerCallHandler<TService, TRequest, TResponse> : ServerCallHandler<TService, TRequest, TResponse>
    where TService : class
    where TRequest : class
    where TResponse : class
{
    private readonly Func<TService, TRequest, ServerCallContext, Task<TResponse>> _invoker;

    public UnaryServerCallHandler(
        Method<TRequest, TResponse> method,
        Func<TService, TRequest, ServerCallContext, Task<TResponse>> invoker,
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

        TResponse? response;
        if (interceptors is null)
        {
            response = await InvokeServiceAsync(call, request, call).ConfigureAwait(false);
        }
        else
        {
            UnaryServerMethod<TRequest, TResponse> continuation = (r, c) => InvokeServiceAsync(call, r, c);
            for (var i = interceptors.Length - 1; i >= 0; i--)
            {
                var next = continuation;
                var interceptor = interceptors[i];
                continuation = (r, c) => interceptor.UnaryServerHandler(r, c, next);
            }

            response = await continuation(request, call).ConfigureAwait(false);
        }

        if (response is null)
        {
            // As grpc-dotnet (and Grpc.Core before it): a handler that returned no message ends the call CANCELLED.
            throw new RpcException(new Status(StatusCode.Cancelled, "No message returned from method."));
        }

        await call.WriteMessageAsync(response, Serializer, flush: false, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<TResponse> InvokeServiceAsync(HttpContextServerCallContext call, TRequest request, ServerCallContext context)
    {
        var service = Activator.Create(call.HttpContext.RequestServices, out var created);
        try
        {
            return await _invoker(service, request, context).ConfigureAwait(false);
        }
        finally
        {
            await ServiceActivator<TService>.ReleaseAsync(service, created).ConfigureAwait(false);
        }
    }
}
