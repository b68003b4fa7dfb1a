using Grpc.Core;

namespace Grpc.Net.Client.Internal;

/// <summary>
/// The call invoker of a <see cref="GrpcChannel"/>: each call becomes one HTTP/2 request.
/// </summary>
internal sealed class HttpClientCallInvoker : CallInvoker
{
    private readonly GrpcChannel _channel;

    public HttpClientCallInvoker(GrpcChannel channel)
    {
        _channel = channel;
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        using var call = AsyncUnaryCall(method, host, options, request);
        return call.ResponseAsync.GetAwaiter().GetResult();
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new GrpcCall<TRequest, TResponse>(_channel, method, host, options);
        call.Start(request);
        return new AsyncUnaryCall<TResponse>(
            call.GetResponseAsync(),
            static state => ((GrpcCall<TRequest, TResponse>)state).ResponseHeadersAsync,
            static state => ((GrpcCall<TRequest, TResponse>)state).GetStatus(),
            static state => ((GrpcCall<TRequest, TResponse>)state).GetTrailers(),
            static state => ((GrpcCall<TRequest, TResponse>)state).Dispose(),
            call);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new GrpcCall<TRequest, TResponse>(_channel, method, host, options);
        call.Start(request);
        return new AsyncServerStreamingCall<TResponse>(
            call.ResponseStream,
            static state => ((GrpcCall<TRequest, TResponse>)state).ResponseHeadersAsync,
            static state => ((GrpcCall<TRequest, TResponse>)state).GetStatus(),
            static state => ((GrpcCall<TRequest, TResponse>)state).GetTrailers(),
            static state => ((GrpcCall<TRequest, TResponse>)state).Dispose(),
            call);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new GrpcCall<TRequest, TResponse>(_channel, method, host, options);
        call.StartStreamingRequest();
        return new AsyncClientStreamingCall<TRequest, TResponse>(
            call.RequestStream,
            call.GetResponseAsync(),
            static state => ((GrpcCall<TRequest, TResponse>)state).ResponseHeadersAsync,
            static state => ((GrpcCall<TRequest, TResponse>)state).GetStatus(),
            static state => ((GrpcCall<TRequest, TResponse>)state).GetTrailers(),
            static state => ((GrpcCall<TRequest, TResponse>)state).Dispose(),
            call);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new GrpcCall<TRequest, TResponse>(_channel, method, host, options);
        call.StartStreamingRequest();
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            call.RequestStream,
            call.ResponseStream,
            static state => ((GrpcCall<TRequest, TResponse>)state).ResponseHeadersAsync,
            static state => ((GrpcCall<TRequest, TResponse>)state).GetStatus(),
            static state => ((GrpcCall<TRequest, TResponse>)state).GetTrailers(),
            static state => ((GrpcCall<TRequest, TResponse>)state).Dispose(),
            call);
    }
}
