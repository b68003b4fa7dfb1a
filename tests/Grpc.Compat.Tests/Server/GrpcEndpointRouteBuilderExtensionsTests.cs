using Grpc.Compat.Tests.Server.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Grpc.Compat.Tests.Server;

public sealed class GrpcEndpointRouteBuilderExtensionsTests
{
    [Fact]
    public void MapGrpcService_AddGrpcNotCalled_ThrowsNamingAddGrpc()
    {
        // Arrange
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddRouting();
        builder.Services.AddSingleton(new CallProbe());
        using var app = builder.Build();

        // Act
        var error = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<TestServiceImpl>());

        // Assert
        Assert.Contains("AddGrpc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapGrpcService_TypeWithoutGeneratedBase_ThrowsNamingTheAttribute()
    {
        // Arrange
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddGrpc();
        using var app = builder.Build();

        // Act
        var error = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<NotAService>());

        // Assert
        Assert.Contains("BindServiceMethodAttribute", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapGrpcService_GeneratedService_OneEndpointPerMethodPlusUnimplementedRoutes()
    {
        // Arrange
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddGrpc();
        using var app = builder.Build();

        // Act
        var conventions = app.MapGrpcService<TestServiceImpl>();
        var seen = new List<string?>();
        conventions.Add(endpoint => seen.Add(endpoint.DisplayName));
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).Select(e => e.DisplayName).ToList();

        // Assert
        Assert.Contains("gRPC - /compat.test.TestService/Unary", endpoints);
        Assert.Contains("gRPC - /compat.test.TestService/ServerStream", endpoints);
        Assert.Contains("gRPC - /compat.test.TestService/ClientStream", endpoints);
        Assert.Contains("gRPC - /compat.test.TestService/Duplex", endpoints);
        Assert.Contains("gRPC - Unimplemented method for compat.test.TestService", endpoints);
        Assert.Contains("gRPC - Unimplemented service", endpoints);
        Assert.Equal(5, seen.Count);
    }

    private sealed class NotAService;
}
