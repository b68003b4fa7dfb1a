using Microsoft.AspNetCore.Builder;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Samples.Ai;
using Samples.Backend;

namespace Propagation.Integration.Tests;

/// <summary>
/// The services' addresses of each other come from configuration: a missing or malformed one stops the service when it
/// is set up (at start-up), naming the key, instead of failing each request later.
/// </summary>
public sealed class SampleConfigurationTests
{
    public static TheoryData<string, string?> BadAddresses()
    {
        var data = new TheoryData<string, string?>();
        foreach (var key in new[] { "Services:Ai", "Services:KernelGrpc", "Services:KernelHttp" })
        {
            foreach (var value in new[] { null, string.Empty, "not a uri", "/relative", "localhost:5102", "ftp://127.0.0.1:5102" })
            {
                data.Add(key, value);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadAddresses))]
    public void Backend_BadAddress_ConfigureServicesThrowsNamingTheKey(string key, string? value)
    {
        // Arrange
        var builder = Builder(new()
        {
            ["Services:Ai"] = "http://127.0.0.1:5112",
            ["Services:KernelGrpc"] = "http://127.0.0.1:5113",
            ["Services:KernelHttp"] = "http://127.0.0.1:5103",
            [key] = value,
        });

        // Act
        var error = Assert.Throws<InvalidOperationException>(() => BackendApp.ConfigureServices(builder));

        // Assert
        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backend_GoodAddresses_EachClientCallsItsConfiguredAddress()
    {
        // Arrange: three different addresses, so a client given another key's address (or none) is told apart.
        var builder = Builder(new()
        {
            ["Services:Ai"] = "http://127.0.0.1:5112",
            ["Services:KernelGrpc"] = "https://kernel.example:5113",
            ["Services:KernelHttp"] = "http://127.0.0.1:5103",
        });

        // Act
        BackendApp.ConfigureServices(builder);
        using var app = builder.Build();

        // Assert: the AI service's gRPC client, the Kernel's gRPC client and the Kernel's HTTP client.
        var grpcClients = app.Services.GetRequiredService<IOptionsMonitor<GrpcClientFactoryOptions>>();
        Assert.Equal(new Uri("http://127.0.0.1:5112"), grpcClients.Get("AssistantClient").Address);
        Assert.Equal(new Uri("https://kernel.example:5113"), grpcClients.Get("ComputeClient").Address);
        using var kernelHttp = app.Services.GetRequiredService<IHttpClientFactory>().CreateClient(BackendApp.KernelHttpClient);
        Assert.Equal(new Uri("http://127.0.0.1:5103"), kernelHttp.BaseAddress);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a uri")]
    [InlineData("localhost:5111")]
    [InlineData("ftp://127.0.0.1:5111")]
    public void AiService_BadBackendAddress_ConfigureServicesThrowsNamingTheKey(string? value)
    {
        // Arrange
        var builder = Builder(new() { ["Services:Backend"] = value });

        // Act
        var error = Assert.Throws<InvalidOperationException>(() => AiServiceApp.ConfigureServices(builder));

        // Assert
        Assert.Contains("'Services:Backend'", error.Message, StringComparison.Ordinal);
    }

    private static WebApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", ApplicationName = typeof(SampleConfigurationTests).Assembly.GetName().Name });
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }
}
