using Grpc.Core;

namespace Grpc.Compat.Tests.Core;

public class ClientBaseTests
{
    [Fact]
    public void WithHost_Calls_CarryHost()
    {
        var invoker = new FakeCallInvoker();
        var client = new TestClient(invoker).WithHost("example.org");

        client.Call();

        Assert.Equal("example.org", invoker.Calls[0].Host);
    }

    [Fact]
    public void DefaultConstructor_Call_ThrowsNotImplemented()
    {
        Assert.Throws<NotImplementedException>(() => new TestClient().Call());
    }

    [Fact]
    public void CallInvokerConstructor_Calls_HaveNoHost()
    {
        var invoker = new FakeCallInvoker();

        new TestClient(invoker).Call();

        Assert.Null(invoker.Calls[0].Host);
    }

    private sealed class TestClient : ClientBase<TestClient>
    {
        public TestClient()
        {
        }

        public TestClient(CallInvoker invoker)
            : base(invoker)
        {
        }

        private TestClient(ClientBaseConfiguration configuration)
            : base(configuration)
        {
        }

        public void Call() => CallInvoker.AsyncUnaryCall(FakeCallInvoker.CreateMethod(), null, default, "r");

        protected override TestClient NewInstance(ClientBaseConfiguration configuration) => new(configuration);
    }
}
