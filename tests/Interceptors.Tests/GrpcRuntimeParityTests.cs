using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Propagation.Interceptors.Tests.Infrastructure;
using Propagation.Interceptors.Tests.Protos;

namespace Propagation.Interceptors.Tests;

/// <summary>
/// Behaviour of the gRPC runtime itself that code written against grpc-dotnet notices, asserted as grpc-dotnet 2.85.0
/// does it. The same code runs against compat/Grpc and, with <c>-p:GrpcImplementation=Official</c>, against grpc-dotnet
/// (Kestrel h2c on 127.0.0.1, OS-picked port).
/// </summary>
public sealed class GrpcRuntimeParityTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ChannelDispose_CallsInProgress_DisposedWithTheChannel()
    {
        // Arrange: a unary call the server holds, and a duplex call both sides keep open.
        var (host, address, observations) = await StartAsync();
        using var _ = host;
        var channel = GrpcChannel.ForAddress(address);
        var client = new ParityTestService.ParityTestServiceClient(channel);
        var unary = client.UnaryAsync(new ParityRequest { Scenario = "wait" });
        await observations.Started.Task.WaitAsync(Bound);
        using var duplex = client.Duplex();
        await duplex.RequestStream.WriteAsync(new ParityRequest { Scenario = "echo" });
        Assert.True(await duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));

        // Act
        channel.Dispose();

        // Assert: as in grpc-dotnet, disposing the channel disposes its calls: the pending unary call ends CANCELLED (and
        // the server sees its token fire), the duplex call's streams throw ObjectDisposedException.
        var ex = await Assert.ThrowsAsync<RpcException>(() => unary.ResponseAsync.WaitAsync(Bound));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await observations.TokenFired.Task.WaitAsync(Bound);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => duplex.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => duplex.RequestStream.WriteAsync(new ParityRequest()).WaitAsync(Bound));
        await host.StopAsync();
    }

    [Fact]
    public async Task RequestStreamWrite_AfterServerEndedTheCallWithOk_ThrowsRpcExceptionWithOk()
    {
        // Arrange: the server ends the duplex call with OK without reading the rest of the request stream.
        var (host, address, _) = await StartAsync();
        using var _host = host;
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ParityTestService.ParityTestServiceClient(channel);
        using var call = client.Duplex();
        await call.RequestStream.WriteAsync(new ParityRequest { Scenario = "end-ok" });
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);

        // Act
        var ex = await Record.ExceptionAsync(() => call.RequestStream.WriteAsync(new ParityRequest { Scenario = "late" }).WaitAsync(Bound));

        // Assert: grpc-dotnet reports the call's status, OK, as an RpcException.
        var rpc = Assert.IsType<RpcException>(ex);
        Assert.Equal(StatusCode.OK, rpc.StatusCode);
        await host.StopAsync();
    }

    [Fact]
    public async Task RequestStreamWrite_AfterCompleteAndTheCallEndedWithOk_ThrowsInvalidOperation()
    {
        // Arrange: the client completed its request stream, then the call ended with OK.
        var (host, address, _) = await StartAsync();
        using var _host = host;
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ParityTestService.ParityTestServiceClient(channel);
        using var call = client.ClientStream();
        await call.RequestStream.WriteAsync(new ParityRequest { Scenario = "x" });
        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync.WaitAsync(Bound);

        // Act
        var ex = await Record.ExceptionAsync(() => call.RequestStream.WriteAsync(new ParityRequest { Scenario = "late" }).WaitAsync(Bound));

        // Assert: in grpc-dotnet the completed request stream takes precedence over the call's status.
        Assert.IsType<InvalidOperationException>(ex);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("server-streaming", false)]
    [InlineData("duplex", false)]
    [InlineData("server-streaming", true)]
    [InlineData("duplex", true)]
    public async Task ServerWrite_AfterTheClientCancelledOrTheDeadline_ThrowsInvalidOperation(string shape, bool deadline)
    {
        // Arrange: the handler waits for its call's token, then writes a message (the deadline leaves room for a cold start).
        var (host, address, observations) = await StartAsync();
        using var _host = host;
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ParityTestService.ParityTestServiceClient(channel);
        using var cts = new CancellationTokenSource();
        var options = deadline ? new CallOptions(deadline: DateTime.UtcNow.AddSeconds(3)) : new CallOptions(cancellationToken: cts.Token);
        var request = new ParityRequest { Scenario = "wait" };
        IDisposable call;
        if (shape == "duplex")
        {
            var duplex = client.Duplex(options);
            await duplex.RequestStream.WriteAsync(request);
            call = duplex;
        }
        else
        {
            call = client.ServerStream(request, options);
        }

        using var _call = call;
        await observations.Started.Task.WaitAsync(Bound);

        // Act
        await cts.CancelAsync();
        var outcome = await observations.WriteOutcome.Task.WaitAsync(Bound);

        // Assert: as in grpc-dotnet, a write once the call is over is an InvalidOperationException, not a cancellation.
        Assert.IsType<InvalidOperationException>(outcome);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("unary")]
    [InlineData("client-streaming")]
    public async Task Handler_ReturnsNullResponse_ClientGetsCancelled(string shape)
    {
        // Arrange
        var (host, address, _) = await StartAsync();
        using var _host = host;
        using var channel = GrpcChannel.ForAddress(address);
        var client = new ParityTestService.ParityTestServiceClient(channel);
        var request = new ParityRequest { Scenario = "null-reply" };

        // Act
        Task<ParityReply> response;
        if (shape == "unary")
        {
            response = client.UnaryAsync(request).ResponseAsync;
        }
        else
        {
            var call = client.ClientStream();
            await call.RequestStream.WriteAsync(request);
            await call.RequestStream.CompleteAsync();
            response = call.ResponseAsync;
        }

        // Assert: grpc-dotnet answers a handler that returned no message with CANCELLED (as Grpc.Core did).
        var ex = await Assert.ThrowsAsync<RpcException>(() => response.WaitAsync(Bound));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await host.StopAsync();
    }

    private static async Task<(IHost Host, Uri Address, ParityObservations Observations)> StartAsync()
    {
        var observations = new ParityObservations();
        var host = await new HostBuilder()
            .ConfigureWebHost(web =>
            {
                web.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
                web.ConfigureServices(services =>
                {
                    services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Critical));
                    services.AddRouting();
                    services.AddSingleton(observations);
                    services.AddGrpc();
                });
                web.Configure(app =>
                {
                    app.UseRouting();
                    app.UseEndpoints(endpoints => endpoints.MapGrpcService<ParityTestServiceImpl>());
                });
            })
            .StartAsync();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (host, new Uri(address), observations);
    }
}
