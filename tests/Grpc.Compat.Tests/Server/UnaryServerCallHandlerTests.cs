using System.Net;
using Google.Protobuf;
using Grpc.Compat.Tests.Infrastructure;
using Grpc.Compat.Tests.Protos;
using Grpc.Compat.Tests.Server.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Grpc.Compat.Tests.Server;

public sealed class UnaryServerCallHandlerTests
{
    private const string Path = "/compat.test.TestService/Unary";

    [Fact]
    public async Task HandleCall_ValidRequest_WritesHeadersMessageAndOkTrailers()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var request = new EchoRequest { Text = "hello", Payload = ByteString.CopyFrom(1, 2, 3) };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal("application/grpc", response.ContentType);
        Assert.False(response.IsTrailersOnly);
        Assert.Equal(0, response.GrpcStatus);
        var reply = Assert.Single(GrpcFrames.Parse(response.Body, EchoReply.Parser));
        Assert.Equal("hello", reply.Text);
        Assert.Equal(new byte[] { 1, 2, 3 }, reply.Payload.ToByteArray());
    }

    [Fact]
    public async Task HandleCall_RpcExceptionThrown_TrailersOnlyWithItsStatusAndTrailers()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var request = new EchoRequest { Text = "é 100% ✓", FailWithStatus = (int)StatusCode.NotFound };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.True(response.IsTrailersOnly);
        Assert.Empty(response.Body);
        Assert.Equal((int)StatusCode.NotFound, response.GrpcStatus);
        Assert.Equal("failure: é 100% ✓", response.GrpcMessage);
        Assert.Equal("failure: %C3%A9 100%25 %E2%9C%93", response.RawGrpcMessage);
        Assert.Equal("e42", response.Trailer("error-code"));
        Assert.Equal(Convert.ToBase64String(new byte[] { 1, 2, 3 }), response.Trailer("error-bin"));
    }

    [Fact]
    public async Task HandleCall_ExceptionWithoutDetailedErrors_UnknownWithGenericMessage()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Text = "throw" });

        // Assert
        Assert.Equal((int)StatusCode.Unknown, response.GrpcStatus);
        Assert.Equal("Exception was thrown by handler.", response.GrpcMessage);
        Assert.DoesNotContain("secret", response.RawGrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleCall_ExceptionWithDetailedErrors_UnknownWithExceptionMessage()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(configureGrpc: o => o.EnableDetailedErrors = true);

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Text = "throw" });

        // Assert
        Assert.Equal((int)StatusCode.Unknown, response.GrpcStatus);
        Assert.Equal("Exception was thrown by handler. InvalidOperationException: secret-detail", response.GrpcMessage);
    }

    [Fact]
    public async Task HandleCall_HeadersWrittenBeforeError_StatusSentAsTrailers()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var request = new EchoRequest { Text = "x", FailWithStatus = (int)StatusCode.PermissionDenied };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, request, r => r.Headers.Add("send-headers", "1"));

        // Assert
        Assert.False(response.IsTrailersOnly);
        Assert.Equal("1", response.Header("x-initial"));
        Assert.Equal(Convert.ToBase64String(new byte[] { 0, 255 }), response.Header("x-initial-bin"));
        Assert.Equal((int)StatusCode.PermissionDenied, response.GrpcStatus);
        Assert.Equal("e42", response.Trailer("error-code"));
    }

    [Fact]
    public async Task HandleCall_EmptyBody_InternalIncompleteRequest()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, Array.Empty<byte>());

        // Assert
        Assert.Equal((int)StatusCode.Internal, response.GrpcStatus);
        Assert.Equal("Request did not contain a message.", response.GrpcMessage);
        Assert.Equal(0, host.Probe.Count("service:Unary"));
    }

    [Fact]
    public async Task HandleCall_TwoMessages_InternalAdditionalData()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var body = GrpcFrames.Frames(new EchoRequest { Text = "a" }, new EchoRequest { Text = "b" });

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, body);

        // Assert
        Assert.Equal((int)StatusCode.Internal, response.GrpcStatus);
        Assert.Equal("Additional data after the message received.", response.GrpcMessage);
    }

    [Fact]
    public async Task HandleCall_TruncatedFrame_InternalIncompleteMessage()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var body = GrpcFrames.Frame([1, 2, 3], declaredLength: 10);

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, body);

        // Assert
        Assert.Equal((int)StatusCode.Internal, response.GrpcStatus);
        Assert.Equal("Incomplete message.", response.GrpcMessage);
    }

    [Fact]
    public async Task HandleCall_PayloadNotProtobuf_UnknownAsGrpcDotnet()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var body = GrpcFrames.Frame([0xFF, 0xFF, 0xFF]);

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, body);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal((int)StatusCode.Unknown, response.GrpcStatus);
        Assert.Equal("Exception was thrown by handler.", response.GrpcMessage);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("identity")]
    public async Task HandleCall_CompressedFlagWithoutEncoding_InternalAsGrpcDotnet(string? encoding)
    {
        // Arrange: gRPC's compression spec and grpc-dotnet answer a compressed message with no grpc-encoding
        // (or 'identity') with INTERNAL; UNIMPLEMENTED is for an encoding the server does not support.
        await using var host = await TestGrpcHost.StartAsync();
        var body = GrpcFrames.Frame(new EchoRequest { Text = "a" }.ToByteArray(), flags: 1);

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, body, request =>
        {
            if (encoding is not null)
            {
                request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
            }
        });

        // Assert
        Assert.Equal((int)StatusCode.Internal, response.GrpcStatus);
        Assert.Equal("Request did not include grpc-encoding value with compressed message.", response.GrpcMessage);
        Assert.Equal(0, host.Probe.Count("service:Unary"));
    }

    [Fact]
    public async Task HandleCall_MessageOverReceiveLimit_ResourceExhausted()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(configureGrpc: o => o.MaxReceiveMessageSize = 1024);
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[2048]) };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, request);

        // Assert
        Assert.Equal((int)StatusCode.ResourceExhausted, response.GrpcStatus);
        Assert.Equal("Received message exceeds the maximum configured message size.", response.GrpcMessage);
        Assert.Equal(0, host.Probe.Count("service:Unary"));
    }

    [Fact]
    public async Task HandleCall_MessageOverDefaultReceiveLimit_ResourceExhausted()
    {
        // Arrange: the default limit is 4 MB.
        await using var host = await TestGrpcHost.StartAsync();
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[(4 * 1024 * 1024) + 1]) };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, request);

        // Assert
        Assert.Equal((int)StatusCode.ResourceExhausted, response.GrpcStatus);
    }

    [Fact]
    public async Task HandleCall_ResponseOverSendLimit_ResourceExhausted()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(configureGrpc: o => o.MaxSendMessageSize = 100);
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[200]) };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, request);

        // Assert
        Assert.Equal((int)StatusCode.ResourceExhausted, response.GrpcStatus);
        Assert.Equal("Sending message exceeds the maximum configured message size.", response.GrpcMessage);
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task HandleCall_ServiceNotRegistered_ActivatedPerCallAndDisposed()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Text = "a" });
        await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Text = "b" });

        // Assert
        Assert.Equal(2, host.Probe.Count("service-created"));
        Assert.Equal(2, host.Probe.Count("service-disposed"));
    }

    [Fact]
    public async Task HandleCall_ServiceRegisteredInDependencyInjection_ContainerInstanceUsedAndNotDisposed()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(configureServices: s => s.AddSingleton<TestServiceImpl>());

        // Act
        await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Text = "a" });
        await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Text = "b" });

        // Assert
        Assert.Equal(1, host.Probe.Count("service-created"));
        Assert.Equal(0, host.Probe.Count("service-disposed"));
    }
}
