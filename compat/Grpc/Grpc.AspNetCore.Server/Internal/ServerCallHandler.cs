using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Handles the HTTP request of one gRPC method: validates it, runs the call with its context, interceptors and
/// service instance, and always ends it with a status.
/// </summary>
internal abstract class ServerCallHandler<TService, TRequest, TResponse>
    where TService : class
    where TRequest : class
    where TResponse : class
{
    protected ServerCallHandler(Method<TRequest, TResponse> method, ServiceMethodOptions options, ServiceActivator<TService> activator, ILogger logger)
    {
        Method = method;
        Options = options;
        Activator = activator;
        Logger = logger;
        Deserializer = method.RequestMarshaller.ContextualDeserializer;
        Serializer = method.ResponseMarshaller.ContextualSerializer;
    }

    protected Method<TRequest, TResponse> Method { get; }

    protected ServiceMethodOptions Options { get; }

    protected ServiceActivator<TService> Activator { get; }

    protected ILogger Logger { get; }

    protected Func<DeserializationContext, TRequest> Deserializer { get; }

    protected Action<TResponse, SerializationContext> Serializer { get; }

    public async Task HandleCallAsync(HttpContext httpContext)
    {
        if (!GrpcRequestValidator.TryValidate(httpContext, Logger))
        {
            return;
        }

        var call = new HttpContextServerCallContext(httpContext, Method.FullName, Options, Logger);
        try
        {
            call.Initialize(Method.Type is MethodType.ClientStreaming or MethodType.DuplexStreaming);
            if (Options.Interceptors.Length == 0)
            {
                await HandleCallCoreAsync(call, interceptors: null).ConfigureAwait(false);
            }
            else
            {
                var scope = new InterceptorScope(httpContext.RequestServices, Options.Interceptors);
                try
                {
                    await HandleCallCoreAsync(call, scope.Instances).ConfigureAwait(false);
                }
                finally
                {
                    await scope.DisposeAsync().ConfigureAwait(false);
                }
            }

            await call.EndCallAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            try
            {
                await call.ProcessHandlerErrorAsync(ex).ConfigureAwait(false);
            }
            catch (Exception statusError) when (statusError is InvalidOperationException or IOException or OperationCanceledException)
            {
                // The status itself could not be written (the transport failed): reset the stream so the client
                // sees the call end instead of waiting for trailers.
                GrpcServerLog.StatusWriteFailed(Logger, Method.FullName, statusError);
                call.HttpContext.Abort();
            }
        }
        finally
        {
            await call.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads the request, runs the pipeline and writes the response messages; the status is written by the caller.</summary>
    protected abstract Task HandleCallCoreAsync(HttpContextServerCallContext call, Interceptor[]? interceptors);
}
