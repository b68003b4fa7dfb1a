using Grpc.Compat.Tests.Infrastructure;
using Grpc.Compat.Tests.Protos;
using Grpc.Compat.Tests.Server.Infrastructure;
using Grpc.Core;

namespace Grpc.Compat.Tests.Server;

public sealed class ServerStreamingServerCallHandlerTests
{
    private const string Path = "/compat.test.TestService/ServerStream";

    [Fact]
    public async Task HandleCall_CountRequested_StreamsThatManyMessagesThenOk()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Text = "s", Count = 5 });

        // Assert
        var replies = GrpcFrames.Parse(response.Body, EchoReply.Parser);
        Assert.Equal([0, 1, 2, 3, 4], replies.Select(r => r.Index));
        Assert.All(replies, r => Assert.Equal("s", r.Text));
        Assert.Equal(0, response.GrpcStatus);
        Assert.False(response.IsTrailersOnly);
    }

    [Fact]
    public async Task HandleCall_NoMessagesWritten_TrailersOnlyOk()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Count = 0 });

        // Assert
        Assert.True(response.IsTrailersOnly);
        Assert.Empty(response.Body);
        Assert.Equal(0, response.GrpcStatus);
    }

    [Fact]
    public async Task HandleCall_ErrorAfterMessages_MessagesThenErrorTrailers()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var request = new EchoRequest { Text = "x", Count = 2, FailWithStatus = (int)StatusCode.Aborted };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, request);

        // Assert
        Assert.Equal(2, GrpcFrames.Parse(response.Body, EchoReply.Parser).Count);
        Assert.False(response.IsTrailersOnly);
        Assert.Equal((int)StatusCode.Aborted, response.GrpcStatus);
        Assert.Equal("failure: x", response.GrpcMessage);
        Assert.Equal("e42", response.Trailer("error-code"));
    }

    [Fact]
    public async Task HandleCall_ExceptionAfterMessages_UnknownTrailers()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Text = "throw", Count = 1 });

        // Assert
        Assert.Single(GrpcFrames.Parse(response.Body, EchoReply.Parser));
        Assert.Equal((int)StatusCode.Unknown, response.GrpcStatus);
        Assert.Equal("Exception was thrown by handler.", response.GrpcMessage);
    }

    [Fact]
    public async Task HandleCall_ResponseHeadersWritten_HeadersCarryMetadata()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Count = 1 }, r => r.Headers.Add("send-headers", "1"));

        // Assert
        Assert.Equal("1", response.Header("x-initial"));
        Assert.Equal(0, response.GrpcStatus);
    }

    [Fact]
    public async Task HandleCall_MessageOverSendLimit_NothingSentAndResourceExhausted()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(configureGrpc: o => o.MaxSendMessageSize = 10);

        // Act: every reply carries the 21-character text, over the 10-byte limit, so the first write fails
        var response = await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Text = "this text is too long", Count = 3 });

        // Assert
        Assert.Empty(GrpcFrames.Parse(response.Body, EchoReply.Parser));
        Assert.Equal((int)StatusCode.ResourceExhausted, response.GrpcStatus);
    }
}
