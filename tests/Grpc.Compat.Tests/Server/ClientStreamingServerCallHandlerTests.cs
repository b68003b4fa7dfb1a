using Grpc.Compat.Tests.Infrastructure;
using Grpc.Compat.Tests.Protos;
using Grpc.Compat.Tests.Server.Infrastructure;
using Grpc.Core;

namespace Grpc.Compat.Tests.Server;

public sealed class ClientStreamingServerCallHandlerTests
{
    private const string Path = "/compat.test.TestService/ClientStream";

    [Fact]
    public async Task HandleCall_SeveralMessages_ReadsAllAndReplies()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var body = GrpcFrames.Frames(new EchoRequest { Text = "a" }, new EchoRequest { Text = "b" }, new EchoRequest { Text = "c" });

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, body);

        // Assert
        var reply = Assert.Single(GrpcFrames.Parse(response.Body, EchoReply.Parser));
        Assert.Equal("a,b,c", reply.Text);
        Assert.Equal(3, reply.Index);
        Assert.Equal(0, response.GrpcStatus);
    }

    [Fact]
    public async Task HandleCall_NoMessages_RepliesWithEmptyAggregate()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, Array.Empty<byte>());

        // Assert
        var reply = Assert.Single(GrpcFrames.Parse(response.Body, EchoReply.Parser));
        Assert.Equal(0, reply.Index);
        Assert.Equal(0, response.GrpcStatus);
    }

    [Fact]
    public async Task HandleCall_TruncatedLastMessage_Internal()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        byte[] body = [.. GrpcFrames.Frame(new EchoRequest { Text = "a" }), 0, 0, 0];

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, body);

        // Assert
        Assert.Equal((int)StatusCode.Internal, response.GrpcStatus);
        Assert.Equal("Incomplete message.", response.GrpcMessage);
    }

    [Fact]
    public async Task HandleCall_HandlerFailsMidStream_TrailersOnlyWithStatus()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var body = GrpcFrames.Frames(new EchoRequest { Text = "a" }, new EchoRequest { Text = "b", FailWithStatus = (int)StatusCode.InvalidArgument });

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, body);

        // Assert
        Assert.True(response.IsTrailersOnly);
        Assert.Equal((int)StatusCode.InvalidArgument, response.GrpcStatus);
        Assert.Equal("failure: b", response.GrpcMessage);
    }

    [Fact]
    public async Task HandleCall_SecondMessageOverReceiveLimit_ResourceExhausted()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(configureGrpc: o => o.MaxReceiveMessageSize = 50);
        var body = GrpcFrames.Frames(new EchoRequest { Text = "a" }, new EchoRequest { Text = new string('x', 100) });

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, body);

        // Assert
        Assert.Equal((int)StatusCode.ResourceExhausted, response.GrpcStatus);
    }
}
