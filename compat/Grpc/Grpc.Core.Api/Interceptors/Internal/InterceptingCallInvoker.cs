namespace Grpc.Core.Interceptors.Internal;

/// <summary>
/// A call invoker that passes every call through one interceptor before the inner invoker.
/// </summary>
internal sealed class InterceptingCallInvoker : CallInvoker
{
    private readonly CallInvoker _invoker;
    private readonly Interceptor _interceptor;

    public InterceptingCallInvoker(CallInvoker invoker, Interceptor interceptor)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(interceptor);
        _invoker = invoker;
        _interceptor = interceptor;
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        return _interceptor.BlockingUnaryCall(
            request,
            new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            (req, ctx) => _invoker.BlockingUnaryCall(ctx.Method, ctx.Host, ctx.Options, req));
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        return _interceptor.AsyncUnaryCall(
            request,
            new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            (req, ctx) => _invoker.AsyncUnaryCall(ctx.Method, ctx.Host, ctx.Options, req));
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        return _interceptor.AsyncServerStreamingCall(
            request,
            new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            (req, ctx) => _invoker.AsyncServerStreamingCall(ctx.Method, ctx.Host, ctx.Options, req));
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        return _interceptor.AsyncClientStreamingCall(
            new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            ctx => _invoker.AsyncClientStreamingCall(ctx.Method, ctx.Host, ctx.Options));
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        return _interceptor.AsyncDuplexStreamingCall(
            new ClientInterceptorContext<TRequest, TResponse>(method, host, options),
            ctx => _invoker.AsyncDuplexStreamingCall(ctx.Method, ctx.Host, ctx.Options));
    }
}
