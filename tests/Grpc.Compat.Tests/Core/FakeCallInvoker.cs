using Grpc.Core;

namespace Grpc.Compat.Tests.Core;

/// <summary>
/// A call invoker that records what reaches it and returns completed calls.
/// </summary>
internal sealed class FakeCallInvoker : CallInvoker
{
    public List<(string Shape, string? Host, Metadata? Headers)> Calls { get; } = [];

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Calls.Add(("blocking", host, options.Headers));
        return default!;
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Calls.Add(("unary", host, options.Headers));
        return new AsyncUnaryCall<TResponse>(Task.FromResult(default(TResponse)!), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Calls.Add(("server", host, options.Headers));
        return new AsyncServerStreamingCall<TResponse>(null!, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        Calls.Add(("client", host, options.Headers));
        return new AsyncClientStreamingCall<TRequest, TResponse>(null!, Task.FromResult(default(TResponse)!), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        Calls.Add(("duplex", host, options.Headers));
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(null!, null!, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    public static Method<string, string> CreateMethod(MethodType type = MethodType.Unary) =>
        new(type, "svc", "M", Marshallers.StringMarshaller, Marshallers.StringMarshaller);
}
