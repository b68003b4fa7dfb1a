using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Grpc.Compat.Tests.Core;

public class CallInvokerExtensionsTests
{
    [Fact]
    public void Intercept_Params_FirstInterceptorRunsFirst()
    {
        var order = new List<string>();
        var invoker = new FakeCallInvoker().Intercept(new OrderInterceptor("a", order), new OrderInterceptor("b", order), new OrderInterceptor("c", order));

        invoker.AsyncUnaryCall(FakeCallInvoker.CreateMethod(), null, default, "req");

        Assert.Equal(new[] { "a", "b", "c" }, order);
    }

    [Fact]
    public void Intercept_Chained_LastAddedRunsFirst()
    {
        var order = new List<string>();
        var invoker = new FakeCallInvoker()
            .Intercept(new OrderInterceptor("c", order))
            .Intercept(new OrderInterceptor("b", order))
            .Intercept(new OrderInterceptor("a", order));

        invoker.AsyncUnaryCall(FakeCallInvoker.CreateMethod(), null, default, "req");

        Assert.Equal(new[] { "a", "b", "c" }, order);
    }

    [Fact]
    public void Intercept_AllFiveShapes_PassThroughInterceptor()
    {
        var order = new List<string>();
        var inner = new FakeCallInvoker();
        var invoker = inner.Intercept(new OrderInterceptor("i", order, withShape: true));
        var method = FakeCallInvoker.CreateMethod();

        invoker.BlockingUnaryCall(method, null, default, "r");
        invoker.AsyncUnaryCall(method, null, default, "r");
        invoker.AsyncServerStreamingCall(method, null, default, "r");
        invoker.AsyncClientStreamingCall(method, null, default);
        invoker.AsyncDuplexStreamingCall(method, null, default);

        Assert.Equal(new[] { "i:blocking", "i:unary", "i:server", "i:client", "i:duplex" }, order);
        Assert.Equal(new[] { "blocking", "unary", "server", "client", "duplex" }, inner.Calls.Select(c => c.Shape));
        Assert.All(inner.Calls, c => Assert.Equal("i", c.Headers!.GetValue("x-by")));
    }

    [Fact]
    public void Intercept_MetadataFunc_ReplacesHeadersAndReceivesEmptyWhenNone()
    {
        var inner = new FakeCallInvoker();
        Metadata? seen = null;
        var invoker = inner.Intercept(headers =>
        {
            seen = headers;
            return [new Metadata.Entry("added", "yes")];
        });

        invoker.AsyncUnaryCall(FakeCallInvoker.CreateMethod(), null, default, "r");

        Assert.NotNull(seen);
        Assert.Empty(seen);
        Assert.Equal("yes", inner.Calls[0].Headers!.GetValue("added"));
    }

    [Fact]
    public void Intercept_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => new FakeCallInvoker().Intercept((Interceptor)null!));
        Assert.Throws<ArgumentNullException>(() => ((CallInvoker)null!).Intercept(new OrderInterceptor("x", [])));
        Assert.Throws<ArgumentNullException>(() => new FakeCallInvoker().Intercept((Interceptor[])null!));
    }

    internal sealed class OrderInterceptor(string name, List<string> order, bool withShape = false) : Interceptor
    {
        public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            Record("blocking");
            return continuation(request, Tag(context));
        }

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            Record("unary");
            return continuation(request, Tag(context));
        }

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
        {
            Record("server");
            return continuation(request, Tag(context));
        }

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
        {
            Record("client");
            return continuation(Tag(context));
        }

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
        {
            Record("duplex");
            return continuation(Tag(context));
        }

        private void Record(string shape) => order.Add(withShape ? name + ":" + shape : name);

        private ClientInterceptorContext<TRequest, TResponse> Tag<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
            where TRequest : class
            where TResponse : class
        {
            return new(context.Method, context.Host, context.Options.WithHeaders([new Metadata.Entry("x-by", name)]));
        }
    }
}
