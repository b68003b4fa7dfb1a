using System.Net;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Internal;
using Grpc.Compat.Tests.Infrastructure;
using Grpc.Compat.Tests.Protos;
using Grpc.Compat.Tests.Server.Infrastructure;
using Grpc.Core;

namespace Grpc.Compat.Tests.Server;

public sealed class GrpcRequestValidatorTests
{
    private const string Path = "/compat.test.TestService/Unary";

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc;charset=utf-8", true)]
    [InlineData("APPLICATION/GRPC", true)]
    [InlineData("application/grpcx", false)] // a different media type that merely starts the same
    [InlineData("application/json", false)]
    [InlineData("application/grpc-web", false)] // gRPC-Web is not served
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsGrpcContentType_Value_Classified(string? contentType, bool expected)
    {
        // Act
        var result = GrpcRequestValidator.IsGrpcContentType(contentType);

        // Assert
        Assert.Equal(expected, result);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryValidate_WrongContentType_Http415WithoutCallingService(bool kestrel)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel);
        using var request = RawGrpcClient.CreateRequest(Path, GrpcFrames.Frame(new EchoRequest()), "application/json");

        // Act
        var response = await RawGrpcClient.SendAsync(host.Client, request);

        // Assert
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.HttpStatus);
        Assert.Equal((int)StatusCode.Internal, response.GrpcStatus);
        Assert.Equal(0, host.Probe.Count("service:Unary"));
    }

    [Fact]
    public async Task TryValidate_Http11Request_Http426AndServiceNotCalled()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        using var request = RawGrpcClient.CreateRequest(Path, GrpcFrames.Frame(new EchoRequest()));
        request.Version = HttpVersion.Version11;

        // Act
        var response = await RawGrpcClient.SendAsync(host.Client, request);

        // Assert
        Assert.Equal(HttpStatusCode.UpgradeRequired, response.HttpStatus);
        Assert.Equal((int)StatusCode.Internal, response.GrpcStatus);
        Assert.Equal(0, host.Probe.Count("service:Unary"));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("made-up")]
    public async Task TryValidate_NonIdentityEncodingUncompressedMessage_CallSucceedsAsGrpcDotnet(string encoding)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Text = "x" }, r => r.Headers.Add("grpc-encoding", encoding));

        // Assert: gRPC over HTTP/2 only refuses a message compressed with an unsupported encoding.
        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal((int)StatusCode.OK, response.GrpcStatus);
        Assert.Equal(1, host.Probe.Count("service:Unary"));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("made-up")]
    public async Task HandleCall_CompressedMessageNonIdentityEncoding_UnimplementedAndAcceptEncodingIdentity(string encoding)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();
        var body = GrpcFrames.Frame(new EchoRequest { Text = "x" }.ToByteArray(), flags: 1);

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, body, r => r.Headers.Add("grpc-encoding", encoding));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.True(response.IsTrailersOnly);
        Assert.Equal((int)StatusCode.Unimplemented, response.GrpcStatus);
        Assert.Contains("identity", response.GrpcMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(encoding, response.GrpcMessage, StringComparison.Ordinal);
        Assert.Equal("identity", response.Header("grpc-accept-encoding"));
    }

    [Fact]
    public async Task TryValidate_IdentityEncoding_CallSucceeds()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, Path, new EchoRequest { Text = "x" }, r => r.Headers.Add("grpc-encoding", "identity"));

        // Assert
        Assert.Equal(0, response.GrpcStatus);
    }
}
