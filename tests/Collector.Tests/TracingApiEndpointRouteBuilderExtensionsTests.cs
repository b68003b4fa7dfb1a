using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Propagation.Collector.Tests;

public sealed class TracingApiEndpointRouteBuilderExtensionsTests
{
    public static TheoryData<string> Endpoints() => new()
    {
        "status", "health", "traces/search", "traces/" + TestSpans.TraceIdOf(1), "performance/summary",
        "performance/bottlenecks", "operations/op/analysis", "dependencies", "propagation",
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task MapTracingApi_Default_ServesEveryEndpointUnderDefaultPrefix(string path)
    {
        await using var host = await ApiTestHost.StartAsync();
        host.Store.Add(TestSpans.Create(1, 1, name: "op"));

        using var response = await host.Client.GetAsync(new Uri("/api/tracing/" + path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    public static TheoryData<string> EveryKindOfAnswer()
    {
        var paths = new TheoryData<string>();
        foreach (var endpoint in Endpoints())
        {
            paths.Add(endpoint);
        }

        paths.Add("traces/search?limit=0"); // 400
        paths.Add("traces/" + TestSpans.TraceIdOf(2)); // 404
        paths.Add("operations/missing/analysis"); // 404
        return paths;
    }

    [Theory]
    [MemberData(nameof(EveryKindOfAnswer))]
    public async Task MapTracingApi_AnyAnswer_NotStoredByCachesNorSniffed(string path)
    {
        // The answers hold what the services recorded (paths, attributes, exception messages): a shared cache that
        // kept one reader's answer could hand it to a caller RequireAuthorization turns away, and a browser would keep
        // it on disk after the reader left.
        await using var host = await ApiTestHost.StartAsync();
        host.Store.Add(TestSpans.Create(1, 1, name: "op"));

        using var response = await host.Client.GetAsync(new Uri("/api/tracing/" + path, UriKind.Relative));

        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task MapTracingApi_Head_AnsweredAsGetWithoutContent(string path)
    {
        // RFC 9110 section 9.1: a server supports HEAD wherever it supports GET (monitors probe health with it).
        await using var host = await ApiTestHost.StartAsync();
        host.Store.Add(TestSpans.Create(1, 1, name: "op"));
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri("/api/tracing/" + path, UriKind.Relative));

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task MapTracingApi_CustomPrefix_ServesThereOnly()
    {
        await using var host = await ApiTestHost.StartAsync(map: e => e.MapTracingApi("/internal/traces"));

        using var custom = await host.Client.GetAsync(new Uri("/internal/traces/status", UriKind.Relative));
        using var standard = await host.Client.GetAsync(new Uri("/api/tracing/status", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, custom.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, standard.StatusCode);
    }

    [Fact]
    public async Task MapTracingApi_NotMapped_NotExposed()
    {
        await using var host = await ApiTestHost.StartAsync(map: static _ => { });

        using var response = await host.Client.GetAsync(new Uri("/api/tracing/status", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task RequireAuthorization_NoUser_Returns401(string path)
    {
        await using var host = await ApiTestHost.StartAsync(map: e => e.MapTracingApi().RequireAuthorization(ApiTestHost.Policy));

        using var response = await host.Client.GetAsync(new Uri("/api/tracing/" + path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task RequireAuthorization_UserWithoutRole_Returns403()
    {
        await using var host = await ApiTestHost.StartAsync(map: e => e.MapTracingApi().RequireAuthorization(ApiTestHost.Policy));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tracing/status");
        request.Headers.Add(ApiTestHost.UserHeader, "mallory");

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task RequireAuthorization_UserWithRole_Returns200()
    {
        await using var host = await ApiTestHost.StartAsync(map: e => e.MapTracingApi().RequireAuthorization(ApiTestHost.Policy));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tracing/status");
        request.Headers.Add(ApiTestHost.UserHeader, "alice");
        request.Headers.Add(ApiTestHost.RoleHeader, "reader");

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task MapTracingApi_ProductionWithoutPolicy_LogsWarningAtStartup()
    {
        await using var host = await ApiTestHost.StartAsync(environment: "Production");

        var warning = Assert.Single(host.Logs.Entries, e => e.EventId.Id == 7050);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("/api/tracing", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Production", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapTracingApi_ProductionWithoutPolicyFrameworkLogsFilteredToError_WarningStillLoggedInAPropagationCategory()
    {
        // Arrange, Act: an app that keeps only errors from the framework's Microsoft.* categories starts.
        await using var host = await ApiTestHost.StartAsync(
            environment: "Production",
            services: s => s.Configure<LoggerFilterOptions>(o => o.AddFilter("Microsoft", LogLevel.Error)));

        // Assert
        var warning = Assert.Single(host.Logs.Entries, e => e.EventId.Id == 7050);
        Assert.Equal("Propagation.Collector.TracingApi", warning.Category);
    }

    [Fact]
    public async Task MapTracingApi_ProductionWithPolicy_NoWarning()
    {
        await using var host = await ApiTestHost.StartAsync(
            map: e => e.MapTracingApi().RequireAuthorization(ApiTestHost.Policy),
            environment: "Production");

        Assert.DoesNotContain(host.Logs.Entries, e => e.EventId.Id == 7050);
    }

    [Fact]
    public async Task MapTracingApi_DevelopmentWithoutPolicy_NoWarning()
    {
        await using var host = await ApiTestHost.StartAsync(environment: "Development");

        Assert.DoesNotContain(host.Logs.Entries, e => e.EventId.Id == 7050);
    }

    [Fact]
    public async Task MapTracingApi_NoSpanStoreRegistered_ThrowsWithFix()
    {
        using var host = new HostBuilder()
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(s => s.AddRouting())
                .Configure(app =>
                {
                    app.UseRouting();
                    app.UseEndpoints(e => e.MapTracingApi());
                }))
            .Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("AddSpanStore", error.Message, StringComparison.Ordinal);
    }
}
