using Grpc.Compat.Tests.Client.Infrastructure;
using Grpc.Compat.Tests.Protos;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.ClientFactory;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Grpc.Compat.Tests.ClientFactory;

public class GrpcClientServiceExtensionsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AddGrpcClient_WithHandlerAndInterceptors_BothApplyToTypedClientCalls()
    {
        // Arrange
        IHeaderDictionary? received = null;
        await using var server = await StartEchoServerAsync(headers => received = headers);
        var order = new List<string>();
        var services = new ServiceCollection();
        services.AddSingleton(new RecordingInterceptor("di", order));
        services.AddGrpcClient<TestService.TestServiceClient>(o => o.Address = server.Address)
            .ConfigurePrimaryHttpMessageHandler(server.CreateHandler)
            .AddHttpMessageHandler(() => new HeaderHandler("x-from-handler", "h", order))
            .AddInterceptor<RecordingInterceptor>()
            .AddInterceptor(() => new RecordingInterceptor("second", order))
            .AddInterceptor(InterceptorScope.Client, _ => new RecordingInterceptor("client", order));
        await using var provider = services.BuildServiceProvider();

        // Act
        var client = provider.GetRequiredService<TestService.TestServiceClient>();
        var reply = await client.UnaryAsync(new EchoRequest { Text = "x" }).ResponseAsync.WaitAsync(Bound);

        // Assert
        Assert.Equal("x", reply.Text);
        Assert.Equal("h", received!["x-from-handler"].ToString());
        Assert.Equal("client,di,second", received["x-interceptors"].ToString());
        Assert.Equal(new[] { "client", "di", "second", "handler" }, order);
    }

    [Fact]
    public async Task AddGrpcClient_Named_FactoryCreatesClientWithConfiguredChannel()
    {
        await using var server = await StartEchoServerAsync(_ => { });
        var services = new ServiceCollection();
        services.AddGrpcClient<TestService.TestServiceClient>("named", o => o.Address = server.Address)
            .ConfigurePrimaryHttpMessageHandler(server.CreateHandler)
            .ConfigureChannel(o => o.MaxReceiveMessageSize = 1);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<GrpcClientFactory>().CreateClient<TestService.TestServiceClient>("named");

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest { Text = "too long for one byte" }).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task AddGrpcClient_NoAddress_ThrowsInvalidOperationWithFix()
    {
        var services = new ServiceCollection();
        services.AddGrpcClient<TestService.TestServiceClient>();
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<TestService.TestServiceClient>());

        Assert.Contains("Address", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddInterceptor_OnPlainHttpClientBuilder_ThrowsInvalidOperation()
    {
        var services = new ServiceCollection();
        var builder = services.AddHttpClient("plain");

        Assert.Throws<InvalidOperationException>(() => builder.AddInterceptor(() => new RecordingInterceptor("x", [])));
    }

    private static Task<WireTestServer> StartEchoServerAsync(Action<IHeaderDictionary> onHeaders)
    {
        return WireTestServer.StartAsync(async context =>
        {
            onHeaders(context.Request.Headers);
            var request = EchoRequest.Parser.ParseFrom(await Wire.ReadMessageAsync(context));
            Wire.StartResponse(context);
            await Wire.WriteMessageAsync(context, new EchoReply { Text = request.Text });
            Wire.SetStatus(context, 0);
        });
    }

    private sealed class RecordingInterceptor(string name, List<string> order) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            lock (order)
            {
                order.Add(name);
            }

            var headers = context.Options.Headers ?? [];
            var previous = headers.GetValue("x-interceptors");
            var updated = new Metadata();
            foreach (var entry in headers)
            {
                if (entry.Key != "x-interceptors")
                {
                    updated.Add(entry);
                }
            }

            updated.Add("x-interceptors", previous is null ? name : previous + "," + name);
            return continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(updated)));
        }
    }

    private sealed class HeaderHandler(string name, string value, List<string> order) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (order)
            {
                order.Add("handler");
            }

            request.Headers.TryAddWithoutValidation(name, value);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
