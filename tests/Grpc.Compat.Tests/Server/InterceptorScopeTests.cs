using Grpc.Compat.Tests.Infrastructure;
using Grpc.Compat.Tests.Protos;
using Grpc.Compat.Tests.Server.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Grpc.Compat.Tests.Server;

public sealed class InterceptorScopeTests
{
    private const string UnaryPath = "/compat.test.TestService/Unary";

    [Fact]
    public async Task Interceptors_GlobalAndPerService_GlobalRunsOutermost()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(
            configureGrpc: o => o.Interceptors.Add<RecordingInterceptor>("global"),
            configureBuilder: b => b.AddServiceOptions<TestServiceImpl>(o => o.Interceptors.Add<RecordingInterceptor>("own")));

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest { Text = "a" });

        // Assert
        Assert.Equal(0, response.GrpcStatus);
        var order = host.Probe.Events.Where(e => e.Contains(":unary:", StringComparison.Ordinal) || e.StartsWith("service:", StringComparison.Ordinal));
        Assert.Equal(["global:unary:before", "own:unary:before", "service:Unary", "own:unary:after", "global:unary:after"], order);
    }

    [Theory]
    [InlineData("Unary", "unary")]
    [InlineData("ServerStream", "server-streaming")]
    [InlineData("ClientStream", "client-streaming")]
    [InlineData("Duplex", "duplex-streaming")]
    public async Task Interceptors_EveryCallType_InterceptedAndDisposedPerCall(string method, string shape)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(configureGrpc: o => o.Interceptors.Add<RecordingInterceptor>("global"));

        // Act
        var first = await RawGrpcClient.CallAsync(host.Client, "/compat.test.TestService/" + method, new EchoRequest { Text = "a", Count = 1 });
        var second = await RawGrpcClient.CallAsync(host.Client, "/compat.test.TestService/" + method, new EchoRequest { Text = "b", Count = 1 });

        // Assert
        Assert.Equal(0, first.GrpcStatus);
        Assert.Equal(0, second.GrpcStatus);
        Assert.Equal(2, host.Probe.Count($"global:{shape}:before"));
        Assert.Equal(2, host.Probe.Count($"global:{shape}:after"));
        Assert.Equal(2, host.Probe.Count("global:created"));
        Assert.Equal(2, host.Probe.Count("global:disposed"));
    }

    [Fact]
    public async Task Interceptors_RegisteredInDependencyInjection_ContainerInstanceReusedAndNotDisposed()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(
            configureGrpc: o => o.Interceptors.Add<SingletonInterceptor>(),
            configureServices: s => s.AddSingleton<SingletonInterceptor>());

        // Act
        await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest());
        await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest());

        // Assert
        Assert.Equal(2, host.Probe.Count("singleton:unary:before"));
        Assert.Equal(1, host.Probe.Count("singleton:created"));
        Assert.Equal(0, host.Probe.Count("singleton:disposed"));
    }

    [Fact]
    public async Task Interceptors_OnlyAsyncDisposable_DisposedAsynchronously()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(configureGrpc: o => o.Interceptors.Add<AsyncDisposableInterceptor>());

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest());

        // Assert
        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal(1, host.Probe.Count("async:disposed"));
    }

    [Fact]
    public async Task Interceptors_InterceptorThrowsRpcException_StatusSentAndServiceNeverCreated()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(configureGrpc: o => o.Interceptors.Add<RecordingInterceptor>("gate"));

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest(), r => r.Headers.Add("deny", "gate"));

        // Assert
        Assert.Equal((int)StatusCode.PermissionDenied, response.GrpcStatus);
        Assert.Equal("denied by gate", response.GrpcMessage);
        Assert.Equal(0, host.Probe.Count("service-created"));
        Assert.Equal(1, host.Probe.Count("gate:disposed"));
    }

    [Fact]
    public async Task Interceptors_UserStateSetByInterceptors_VisibleToService()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(
            configureGrpc: o =>
            {
                o.Interceptors.Add<RecordingInterceptor>("one");
                o.Interceptors.Add<RecordingInterceptor>("two");
            });

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest { Text = "user-state" });

        // Assert
        Assert.Equal("2", Assert.Single(GrpcFrames.Parse(response.Body, EchoReply.Parser)).Text);
    }

    [Fact]
    public async Task Interceptors_PerServiceOnly_NotAppliedToOtherOptions()
    {
        // Arrange: per-service options for another type must not touch this service.
        await using var host = await TestGrpcHost.StartAsync(
            configureBuilder: b => b.AddServiceOptions<OtherService>(o => o.Interceptors.Add<RecordingInterceptor>("other")));

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, UnaryPath, new EchoRequest());

        // Assert
        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal(0, host.Probe.Count("other:created"));
    }

    private sealed class OtherService;
}
