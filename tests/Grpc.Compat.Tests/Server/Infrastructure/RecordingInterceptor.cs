using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Grpc.Compat.Tests.Server.Infrastructure;

/// <summary>Records entering and leaving each server call shape, and its own creation and disposal.</summary>
public class RecordingInterceptor : Interceptor, IDisposable
{
    private readonly CallProbe _probe;
    private readonly string _name;

    public RecordingInterceptor(CallProbe probe, string name)
    {
        _probe = probe;
        _name = name;
        _probe.Record($"{_name}:created");
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Enter(context, "unary");
        var response = await continuation(request, context);
        _probe.Record($"{_name}:unary:after");
        return response;
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Enter(context, "client-streaming");
        var response = await continuation(requestStream, context);
        _probe.Record($"{_name}:client-streaming:after");
        return response;
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Enter(context, "server-streaming");
        await continuation(request, responseStream, context);
        _probe.Record($"{_name}:server-streaming:after");
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Enter(context, "duplex-streaming");
        await continuation(requestStream, responseStream, context);
        _probe.Record($"{_name}:duplex-streaming:after");
    }

    public void Dispose()
    {
        _probe.Record($"{_name}:disposed");
        GC.SuppressFinalize(this);
    }

    private void Enter(ServerCallContext context, string shape)
    {
        _probe.Record($"{_name}:{shape}:before");
        context.UserState[_name] = true;
        if (context.RequestHeaders.GetValue("deny") == _name)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"denied by {_name}"));
        }
    }
}

/// <summary>Registered in dependency injection as a singleton.</summary>
public sealed class SingletonInterceptor(CallProbe probe) : RecordingInterceptor(probe, "singleton");

/// <summary>Only asynchronously disposable.</summary>
public sealed class AsyncDisposableInterceptor : Interceptor, IAsyncDisposable
{
    private readonly CallProbe _probe;

    public AsyncDisposableInterceptor(CallProbe probe)
    {
        _probe = probe;
    }

    public ValueTask DisposeAsync()
    {
        _probe.Record("async:disposed");
        return ValueTask.CompletedTask;
    }
}
