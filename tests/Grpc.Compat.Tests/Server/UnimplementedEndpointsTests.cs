using System.Net;
using Grpc.Compat.Tests.Protos;
using Grpc.Compat.Tests.Server.Infrastructure;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Grpc.Compat.Tests.Server;

public sealed class UnimplementedEndpointsTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnknownMethod_KnownService_TrailersOnlyUnimplemented(bool kestrel)
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(kestrel);

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, "/compat.test.TestService/Missing", new EchoRequest());

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.True(response.IsTrailersOnly);
        Assert.Equal((int)StatusCode.Unimplemented, response.GrpcStatus);
        Assert.Equal("Method is unimplemented.", response.GrpcMessage);
    }

    [Fact]
    public async Task UnknownService_GrpcRequest_TrailersOnlyUnimplemented()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, "/other.Service/Method", new EchoRequest());

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal((int)StatusCode.Unimplemented, response.GrpcStatus);
        Assert.Equal("Service is unimplemented.", response.GrpcMessage);
    }

    [Fact]
    public async Task UnknownService_NonGrpcRequest_FallsThroughTo404()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        using var response = await host.Client.GetAsync(new Uri("/other/page", UriKind.Relative));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task UnknownService_AppEndpointWithSameShape_AppEndpointStillServesNonGrpcRequests()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(configureEndpoints: endpoints =>
        {
            endpoints.MapGrpcService<TestServiceImpl>();
            endpoints.MapPost("/api/items", (HttpContext context) => context.Response.WriteAsync("app"));
        });

        // Act
        using var content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        using var response = await host.Client.PostAsync(new Uri("/api/items", UriKind.Relative), content);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("app", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownService_IgnoreUnknownServices_PassesToNextMiddleware404()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync(configureGrpc: o => o.IgnoreUnknownServices = true);

        // Act
        var response = await RawGrpcClient.CallAsync(host.Client, "/other.Service/Method", new EchoRequest());
        var unknownMethod = await RawGrpcClient.CallAsync(host.Client, "/compat.test.TestService/Missing", new EchoRequest());

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.HttpStatus);
        Assert.Null(response.GrpcStatus);
        Assert.Equal(HttpStatusCode.NotFound, unknownMethod.HttpStatus);
    }

    [Fact]
    public async Task KnownMethod_GetRequest_NotServedAsGrpc()
    {
        // Arrange
        await using var host = await TestGrpcHost.StartAsync();

        // Act
        using var response = await host.Client.GetAsync(new Uri("/compat.test.TestService/Unary", UriKind.Relative));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, host.Probe.Count("service:Unary"));
    }
}
