using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Compat.Tests.Protos;
using Grpc.Compat.Tests.Server.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Grpc.Compat.Tests.Server;

public sealed class GrpcServiceOptionsTests
{
    private const string UnaryPath = "/compat.test.TestService/Unary";

    [Fact]
    public void Defaults_NewOptions_FourMegabyteReceiveLimitAndNoSendLimit()
    {
        // Act
        var options = new GrpcServiceOptions();

        // Assert
        Assert.Equal(4 * 1024 * 1024, options.MaxReceiveMessageSize);
        Assert.Null(options.MaxSendMessageSize);
        Assert.Null(options.EnableDetailedErrors);
        Assert.Null(options.IgnoreUnknownServices);
        Assert.Empty(options.Interceptors);
    }

    [Fact]
    public void InterceptorsAdd_TypeNotAnInterceptor_ThrowsWithTheFix()
    {
        // Arrange
        var options = new GrpcServiceOptions();

        // Act
        var error = Assert.Throws<ArgumentException>(() => options.Interceptors.Add(typeof(string)));

        // Assert
        Assert.Contains("Grpc.Core.Interceptors.Interceptor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InterceptorsAdd_NullArgument_Throws()
    {
        // Arrange
        var options = new GrpcServiceOptions();

        // Act + Assert
        Assert.Throws<ArgumentException>(() => options.Interceptors.Add<RecordingInterceptor>("name", null!));
    }

    [Fact]
    public void InterceptorsAdd_WithArguments_RegistrationKeepsTypeAndArguments()
    {
        // Arrange
        var options = new GrpcServiceOptions();

        // Act
        options.Interceptors.Add<RecordingInterceptor>("name");

        // Assert
        var registration = Assert.Single(options.Interceptors);
        Assert.Equal(typeof(RecordingInterceptor), registration.Type);
        Assert.Equal(["name"], registration.Arguments);
    }

    [Fact]
    public async Task ServiceOptions_ReceiveLimit_OverridesGlobal()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(
            configureGrpc: o => o.MaxReceiveMessageSize = 10,
            configureBuilder: b => b.AddServiceOptions<TestServiceImpl>(o => o.MaxReceiveMessageSize = 10_000));
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[1_000]) };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, request);

        // Assert
        Assert.Equal(0, response.GrpcStatus);
    }

    [Fact]
    public async Task ServiceOptions_NoLimitSet_GlobalLimitApplies()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(
            configureGrpc: o => o.MaxReceiveMessageSize = 10,
            configureBuilder: b => b.AddServiceOptions<TestServiceImpl>(o => o.EnableDetailedErrors = true));
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[1_000]) };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, request);

        // Assert
        Assert.Equal((int)StatusCode.ResourceExhausted, response.GrpcStatus);
    }

    [Fact]
    public async Task ServiceOptions_NullReceiveLimit_RemovesTheLimit()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(configureGrpc: o => o.MaxReceiveMessageSize = null);
        var request = new EchoRequest { Payload = ByteString.CopyFrom(new byte[(4 * 1024 * 1024) + 10]) };

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, request);

        // Assert
        Assert.Equal(0, response.GrpcStatus);
    }

    [Fact]
    public async Task ServiceOptions_DetailedErrorsOnlyForService_Applied()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(
            configureGrpc: o => o.EnableDetailedErrors = false,
            configureBuilder: b => b.AddServiceOptions<TestServiceImpl>(o => o.EnableDetailedErrors = true));

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest { Text = "throw" });

        // Assert
        Assert.Contains("secret-detail", response.GrpcMessage, StringComparison.Ordinal);
    }
}
