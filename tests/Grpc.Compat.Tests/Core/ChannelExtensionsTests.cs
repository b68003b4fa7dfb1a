using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Grpc.Compat.Tests.Core;

public class ChannelExtensionsTests
{
    [Fact]
    public void Intercept_Channel_FirstInterceptorRunsFirstOverChannelInvoker()
    {
        var order = new List<string>();
        var channel = new FakeChannel();
        var invoker = channel.Intercept(new CallInvokerExtensionsTests.OrderInterceptor("a", order), new CallInvokerExtensionsTests.OrderInterceptor("b", order));

        invoker.AsyncUnaryCall(FakeCallInvoker.CreateMethod(), null, default, "r");

        Assert.Equal(new[] { "a", "b" }, order);
        Assert.Single(channel.Invoker.Calls);
    }

    [Fact]
    public void Intercept_MetadataFunc_AppliesToChannelCalls()
    {
        var channel = new FakeChannel();

        channel.Intercept(_ => [new Metadata.Entry("k", "v")]).AsyncUnaryCall(FakeCallInvoker.CreateMethod(), null, default, "r");

        Assert.Equal("v", channel.Invoker.Calls[0].Headers!.GetValue("k"));
    }

    private sealed class FakeChannel() : ChannelBase("fake")
    {
        public FakeCallInvoker Invoker { get; } = new();

        public override CallInvoker CreateCallInvoker() => Invoker;
    }
}
