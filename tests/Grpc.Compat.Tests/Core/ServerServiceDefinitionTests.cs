using Grpc.Core;

namespace Grpc.Compat.Tests.Core;

public class ServerServiceDefinitionTests
{
    [Fact]
    public void Build_FourMethods_BindsEachToBinderInOrder()
    {
        var binder = new RecordingBinder();
        var definition = ServerServiceDefinition.CreateBuilder()
            .AddMethod(Create(MethodType.Unary, "U"), (UnaryServerMethod<string, string>)((r, c) => Task.FromResult(r)))
            .AddMethod(Create(MethodType.ClientStreaming, "C"), (ClientStreamingServerMethod<string, string>)((s, c) => Task.FromResult("x")))
            .AddMethod(Create(MethodType.ServerStreaming, "S"), (ServerStreamingServerMethod<string, string>)((r, s, c) => Task.CompletedTask))
            .AddMethod(Create(MethodType.DuplexStreaming, "D"), (DuplexStreamingServerMethod<string, string>)((r, s, c) => Task.CompletedTask))
            .Build();

        definition.BindService(binder);

        Assert.Equal(new[] { "unary:/svc/U", "client:/svc/C", "server:/svc/S", "duplex:/svc/D" }, binder.Bound);
    }

    [Fact]
    public void AddMethod_SameNameTwice_Throws()
    {
        var builder = ServerServiceDefinition.CreateBuilder().AddMethod(Create(MethodType.Unary, "U"), (UnaryServerMethod<string, string>)((r, c) => Task.FromResult(r)));

        Assert.Throws<ArgumentException>(() => builder.AddMethod(Create(MethodType.Unary, "U"), (UnaryServerMethod<string, string>)((r, c) => Task.FromResult(r))));
    }

    [Fact]
    public void ServiceBinderBase_DefaultAddMethod_ThrowsNotImplemented()
    {
        Assert.Throws<NotImplementedException>(() => new ServiceBinderBase().AddMethod(Create(MethodType.Unary, "U"), (UnaryServerMethod<string, string>?)null));
    }

    private static Method<string, string> Create(MethodType type, string name) => new(type, "svc", name, Marshallers.StringMarshaller, Marshallers.StringMarshaller);

    private sealed class RecordingBinder : ServiceBinderBase
    {
        public List<string> Bound { get; } = [];

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) => Bound.Add("unary:" + method.FullName);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) => Bound.Add("client:" + method.FullName);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) => Bound.Add("server:" + method.FullName);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) => Bound.Add("duplex:" + method.FullName);
    }
}
