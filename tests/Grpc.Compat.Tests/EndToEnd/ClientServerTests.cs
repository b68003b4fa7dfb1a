using System.Net;
using Google.Protobuf;
using Grpc.Compat.Tests.Protos;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Grpc.Compat.Tests.EndToEnd;

/// <summary>
/// The compat client calling the compat server (AddGrpc + MapGrpcService), over TestServer and over
/// Kestrel on 127.0.0.1 with HTTP/2 cleartext.
/// </summary>
public class ClientServerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unary_WithMetadata_RoundTripsMessageHeadersAndTrailers(bool kestrel)
    {
        await using var host = await EchoHost.StartAsync(kestrel);
        using var channel = host.CreateChannel();
        var client = new TestService.TestServiceClient(channel);
        var binary = new byte[] { 0, 10, 13, 255 };

        using var call = client.UnaryAsync(new EchoRequest { Text = "hi", Payload = ByteString.CopyFrom(1, 2) }, new Metadata { { "x-a", "1" }, { "x-b-bin", binary } });
        var reply = await call.ResponseAsync.WaitAsync(Bound);
        var headers = await call.ResponseHeadersAsync.WaitAsync(Bound);

        Assert.Equal("hi", reply.Text);
        Assert.Equal(new byte[] { 1, 2 }, reply.Payload.ToByteArray());
        Assert.Equal("1", headers.GetValue("echo-x-a"));
        Assert.Equal(binary, headers.GetValueBytes("echo-x-b-bin"));
        Assert.Equal("unary", call.GetTrailers().GetValue("x-trailer"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unary_HandlerThrowsRpcException_ClientGetsStatusAndTrailers(bool kestrel)
    {
        await using var host = await EchoHost.StartAsync(kestrel);
        using var channel = host.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest { Text = "ü%", FailWithStatus = (int)StatusCode.NotFound }).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("failed: ü%", ex.Status.Detail);
        Assert.Equal("yes", ex.Trailers.GetValue("x-failure"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unary_DeadlineExceeded_ServerGetsDeadlineAndCallEnds(bool kestrel)
    {
        await using var host = await EchoHost.StartAsync(kestrel);
        using var channel = host.CreateChannel();
        var client = new TestService.TestServiceClient(channel);
        await client.UnaryAsync(new EchoRequest { Text = "warm-up" }).ResponseAsync.WaitAsync(Bound);
        var deadline = DateTime.UtcNow.AddSeconds(2);

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest { DelayMs = 15_000 }, deadline: deadline).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        var seen = await host.Probe.DeadlineSeen.Task.WaitAsync(Bound);
        Assert.InRange(seen, deadline.AddSeconds(-1), deadline.AddSeconds(1));
        await host.Probe.CallEnded.Task.WaitAsync(Bound);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerStream_CancelledByClient_ServerTokenFires(bool kestrel)
    {
        await using var host = await EchoHost.StartAsync(kestrel);
        using var channel = host.CreateChannel();
        using var cts = new CancellationTokenSource();
        using var call = new TestService.TestServiceClient(channel).ServerStream(new EchoRequest { Count = 100, DelayMs = 100 }, cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));

        cts.Cancel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await host.Probe.CallEnded.Task.WaitAsync(Bound);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AllStreamingShapes_Work(bool kestrel)
    {
        await using var host = await EchoHost.StartAsync(kestrel);
        using var channel = host.CreateChannel();
        var client = new TestService.TestServiceClient(channel);

        using var serverStream = client.ServerStream(new EchoRequest { Text = "s", Count = 4 });
        var indexes = new List<int>();
        await foreach (var reply in serverStream.ResponseStream.ReadAllAsync())
        {
            indexes.Add(reply.Index);
        }

        using var clientStream = client.ClientStream();
        foreach (var text in new[] { "a", "b" })
        {
            await clientStream.RequestStream.WriteAsync(new EchoRequest { Text = text }).WaitAsync(Bound);
        }

        await clientStream.RequestStream.CompleteAsync();
        var clientReply = await clientStream.ResponseAsync.WaitAsync(Bound);

        using var duplex = client.Duplex();
        var echoed = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await duplex.RequestStream.WriteAsync(new EchoRequest { Text = "d" + i }).WaitAsync(Bound);
            Assert.True(await duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
            echoed.Add(duplex.ResponseStream.Current.Text);
        }

        await duplex.RequestStream.CompleteAsync();
        Assert.False(await duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));

        Assert.Equal(new[] { 0, 1, 2, 3 }, indexes);
        Assert.Equal("a,b", clientReply.Text);
        Assert.Equal(new[] { "d0", "d1", "d2" }, echoed);
        Assert.Equal(StatusCode.OK, duplex.GetStatus().StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unary_ChildCallWithPropagationToken_InheritsParentDeadline(bool kestrel)
    {
        await using var host = await EchoHost.StartAsync(kestrel);
        using var channel = host.CreateChannel();
        using var childChannel = host.CreateChannel();
        host.Probe.ChildClient = new TestService.TestServiceClient(childChannel);
        var deadline = DateTime.UtcNow.AddSeconds(30);

        var reply = await new TestService.TestServiceClient(channel).UnaryAsync(new EchoRequest { Text = "parent" }, deadline: deadline).ResponseAsync.WaitAsync(Bound);
        var childDeadline = await host.Probe.ChildDeadline.Task.WaitAsync(Bound);

        Assert.Equal("parent of child", reply.Text);
        // Each hop sends the time left (grpc-timeout) and the receiver adds it to its own clock, so every hop moves
        // the deadline later by the time the request took to reach the handler: seconds on a loaded machine's
        // first call. Without the token the child would have no deadline at all.
        Assert.InRange(childDeadline, deadline.AddSeconds(-2), deadline.AddSeconds(10));
    }

    [Fact]
    public async Task Unary_ClientInterceptorAddsHeader_ServerSeesIt()
    {
        await using var host = await EchoHost.StartAsync(kestrel: false);
        using var channel = host.CreateChannel();
        var invoker = channel.Intercept(headers =>
        {
            headers.Add("x-from-interceptor", "i");
            return headers;
        });

        using var call = new TestService.TestServiceClient(invoker).UnaryAsync(new EchoRequest());
        var headers = await call.ResponseHeadersAsync.WaitAsync(Bound);

        Assert.Equal("i", headers.GetValue("echo-x-from-interceptor"));
    }

    [Fact]
    public async Task Unary_UnknownMethod_IsUnimplemented()
    {
        await using var host = await EchoHost.StartAsync(kestrel: false);
        using var channel = host.CreateChannel();
        var method = new Method<string, string>(MethodType.Unary, "compat.test.TestService", "Missing", Marshallers.StringMarshaller, Marshallers.StringMarshaller);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(method, null, default, "x").ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    private sealed class EchoHost : IAsyncDisposable
    {
        private readonly IHost _host;
        private readonly Uri _address;
        private readonly bool _kestrel;

        private EchoHost(IHost host, Uri address, bool kestrel)
        {
            _host = host;
            _address = address;
            _kestrel = kestrel;
        }

        public EchoServiceProbe Probe => _host.Services.GetRequiredService<EchoServiceProbe>();

        public static async Task<EchoHost> StartAsync(bool kestrel)
        {
            var host = await new HostBuilder().ConfigureWebHost(web =>
            {
                if (kestrel)
                {
                    web.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
                }
                else
                {
                    web.UseTestServer();
                }

                web.ConfigureServices(services =>
                {
                    services.AddRouting();
                    services.AddSingleton<EchoServiceProbe>();
                    services.AddGrpc();
                });
                web.Configure(app =>
                {
                    app.UseRouting();
                    app.UseEndpoints(endpoints => endpoints.MapGrpcService<EchoService>());
                });
            }).StartAsync();

            var address = kestrel
                ? new Uri(host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First())
                : new Uri("http://localhost");
            return new EchoHost(host, address, kestrel);
        }

        public GrpcChannel CreateChannel() => GrpcChannel.ForAddress(_address, _kestrel ? new GrpcChannelOptions() : new GrpcChannelOptions { HttpHandler = _host.GetTestServer().CreateHandler() });

        public async ValueTask DisposeAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _host.StopAsync(cts.Token);
            _host.Dispose();
        }
    }
}
