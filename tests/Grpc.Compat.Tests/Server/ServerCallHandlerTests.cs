using Google.Protobuf;
using Grpc.Compat.Tests.Protos;
using Grpc.Compat.Tests.Server.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Grpc.Compat.Tests.Server;

/// <summary>The server driven by our GrpcChannel client, over TestServer and over Kestrel (h2c on 127.0.0.1).</summary>
public sealed class ServerCallHandlerTests
{
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unary_ThroughChannel_EchoesWithHeadersAndTrailers(bool kestrel)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel);
        using var channel = CreateChannel(host);
        var client = new TestService.TestServiceClient(channel);
        var headers = new Metadata { { "echo-text", "v" }, { "echo-data-bin", new byte[] { 0, 1, 255 } }, { "send-headers", "1" } };

        // Act
        using var call = client.UnaryAsync(new EchoRequest { Text = "hi", Payload = ByteString.CopyFrom(9, 8) }, headers, DateTime.UtcNow + CallLimit);
        var reply = await call.ResponseAsync;
        var responseHeaders = await call.ResponseHeadersAsync;

        // Assert
        Assert.Equal("hi", reply.Text);
        Assert.Equal(new byte[] { 9, 8 }, reply.Payload.ToByteArray());
        Assert.Equal("1", responseHeaders.GetValue("x-initial"));
        Assert.Equal(new byte[] { 0, 255 }, responseHeaders.GetValueBytes("x-initial-bin"));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        var trailers = call.GetTrailers();
        Assert.Equal("v", trailers.GetValue("echo-text"));
        Assert.Equal(new byte[] { 0, 1, 255 }, trailers.GetValueBytes("echo-data-bin"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerStreaming_ThroughChannel_AllMessagesInOrder(bool kestrel)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel);
        using var channel = CreateChannel(host);
        var client = new TestService.TestServiceClient(channel);

        // Act
        using var call = client.ServerStream(new EchoRequest { Text = "s", Count = 50 }, deadline: DateTime.UtcNow + CallLimit);
        var indexes = new List<int>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            indexes.Add(reply.Index);
        }

        // Assert
        Assert.Equal(Enumerable.Range(0, 50), indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClientStreaming_ThroughChannel_ServerSeesEveryMessage(bool kestrel)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel);
        using var channel = CreateChannel(host);
        var client = new TestService.TestServiceClient(channel);

        // Act
        using var call = client.ClientStream(deadline: DateTime.UtcNow + CallLimit);
        foreach (var text in new[] { "a", "b", "c" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = text });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync;

        // Assert
        Assert.Equal("a,b,c", reply.Text);
        Assert.Equal(3, reply.Index);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Duplex_ThroughChannel_EachReplyBeforeNextRequest(bool kestrel)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel);
        using var channel = CreateChannel(host);
        var client = new TestService.TestServiceClient(channel);

        // Act
        using var call = client.Duplex(deadline: DateTime.UtcNow + CallLimit);
        var replies = new List<string>();
        foreach (var text in new[] { "x", "y", "z" })
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = text });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            replies.Add(call.ResponseStream.Current.Text);
        }

        await call.RequestStream.CompleteAsync();
        var more = await call.ResponseStream.MoveNext(CancellationToken.None);

        // Assert
        Assert.Equal(["x", "y", "z"], replies);
        Assert.False(more);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unary_HandlerThrowsRpcException_ClientSeesStatusAndTrailers(bool kestrel)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel);
        using var channel = CreateChannel(host);
        var client = new TestService.TestServiceClient(channel);

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(
            new EchoRequest { Text = "ünï", FailWithStatus = (int)StatusCode.OutOfRange }, deadline: DateTime.UtcNow + CallLimit).ResponseAsync);

        // Assert
        Assert.Equal(StatusCode.OutOfRange, error.StatusCode);
        Assert.Equal("failure: ünï", error.Status.Detail);
        Assert.Equal("e42", error.Trailers.GetValue("error-code"));
        Assert.Equal(new byte[] { 1, 2, 3 }, error.Trailers.GetValueBytes("error-bin"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unary_DeadlineFromChannel_DeadlineExceededAndServerTokenFires(bool kestrel)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel);
        using var channel = CreateChannel(host);
        var client = new TestService.TestServiceClient(channel);

        // A first call warms the path, so the handler starts well inside the deadline even on a loaded machine:
        // the server token can only fire in a handler that runs.
        await client.UnaryAsync(new EchoRequest { Text = "warm-up" }, deadline: DateTime.UtcNow + CallLimit);

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(
            new EchoRequest { DelayMs = 30_000 }, deadline: DateTime.UtcNow.AddMilliseconds(1000)).ResponseAsync);

        // Assert
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await host.Probe.CancellationObserved.Task.WaitAsync(CallLimit);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerStreaming_ClientCancels_ServerTokenFires(bool kestrel)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel);
        using var channel = CreateChannel(host);
        var client = new TestService.TestServiceClient(channel);
        using var cts = new CancellationTokenSource();

        // Act
        using var call = client.ServerStream(new EchoRequest { Count = 1, DelayMs = 30_000 }, deadline: DateTime.UtcNow + CallLimit, cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        await host.Probe.HandlerStarted.Task.WaitAsync(CallLimit);
        await cts.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        // Assert
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await host.Probe.CancellationObserved.Task.WaitAsync(CallLimit);
    }

    [Fact]
    public async Task Unary_ResponseOverServerSendLimit_ClientSeesResourceExhausted()
    {
        // Arrange: the reply echoes a 2,000-byte payload, over the server's 1,000-byte send limit.
        await using var host = await TestGrpcHost.StartAsync(configureGrpc: o => o.MaxSendMessageSize = 1_000);
        using var channel = CreateChannel(host);
        var client = new TestService.TestServiceClient(channel);

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(
            new EchoRequest { Payload = ByteString.CopyFrom(new byte[2_000]) }, deadline: DateTime.UtcNow + CallLimit).ResponseAsync);

        // Assert
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Unary_UnknownMethodThroughChannel_Unimplemented()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        using var channel = CreateChannel(host);
        var method = new Method<EchoRequest, EchoReply>(MethodType.Unary, "compat.test.TestService", "Nope",
            Marshallers.Create(r => r.ToByteArray(), EchoRequest.Parser.ParseFrom), Marshallers.Create(r => r.ToByteArray(), EchoReply.Parser.ParseFrom));

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow + CallLimit), new EchoRequest()).ResponseAsync);

        // Assert
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task ClientStreaming_MoreThanKestrelsBodyLimitInTotal_EveryMessageRead()
    {
        // Arrange: 33 messages of 1 MB: over Kestrel's 30 MB request body default, each under the 4 MB message limit.
        await using var host = await TestGrpcHost.StartAsync(kestrel: true);
        using var channel = CreateChannel(host);
        var client = new TestService.TestServiceClient(channel);
        var payload = ByteString.CopyFrom(new byte[1024 * 1024]);

        // Act
        using var call = client.ClientStream(deadline: DateTime.UtcNow + CallLimit);
        for (var i = 0; i < 33; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = "m", Payload = payload });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call.ResponseAsync;

        // Assert
        Assert.Equal(33, reply.Index);
    }

    [Fact]
    public async Task Unary_TrailerValueNotAscii_SkippedAndCallSucceeds()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel: true);
        using var channel = CreateChannel(host);
        var client = new TestService.TestServiceClient(channel);

        // Act
        using var call = client.UnaryAsync(new EchoRequest { Text = "bad-trailer" }, deadline: DateTime.UtcNow + CallLimit);
        var reply = await call.ResponseAsync;

        // Assert
        Assert.Equal("trailers", reply.Text);
        Assert.Equal("1", call.GetTrailers().GetValue("x-good"));
        Assert.Null(call.GetTrailers().GetValue("x-bad"));
    }

    [Fact]
    public async Task CreatePropagationToken_ChildCall_InheritsDeadline()
    {
        // Arrange: the service calls itself (a 30 s call) with a token from its own 300 ms call. The parent call is
        // sent raw with a grpc-timeout header and no client deadline, so the deadline runs from the moment the
        // server takes the call and the handler always runs, however slowly the machine gets there.
        var holder = new ChildClientHolder();
        await using var host = await TestGrpcHost.StartAsync(configureServices: s => s.AddSingleton(holder));
        using var channel = CreateChannel(host);
        holder.Client = new TestService.TestServiceClient(channel);

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, "/compat.test.TestService/Unary", new EchoRequest { Text = "propagate" },
            r => r.Headers.Add("grpc-timeout", "300m"));

        // Assert
        Assert.Equal((int)StatusCode.DeadlineExceeded, response.GrpcStatus);
        await WaitForAsync(() => host.Probe.Count("child:DeadlineExceeded") + host.Probe.Count("child:Cancelled") == 1);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(CallLimit);
        while (!condition())
        {
            await Task.Delay(20, limit.Token);
        }
    }

    private static GrpcChannel CreateChannel(TestGrpcHost host)
    {
        return GrpcChannel.ForAddress(host.Address, new GrpcChannelOptions { HttpHandler = host.Handler });
    }
}
