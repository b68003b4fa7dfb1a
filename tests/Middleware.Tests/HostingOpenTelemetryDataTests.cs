using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;
using Propagation.Middleware.Tests.Infrastructure;

namespace Propagation.Middleware.Tests;

/// <summary>
/// UseTracing enriching hosting's activity when hosting sets the HTTP conventions' attributes of its own (ASP.NET Core 10
/// with its <c>Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData</c> switch off, the default from 11). The
/// switch is process-wide and read when a host starts: these tests run alone (after the parallel ones).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class HostingOpenTelemetryDataTests
{
    private const string SuppressSwitch = "Microsoft.AspNetCore.Hosting.SuppressActivityOpenTelemetryData";

    [Theory]
    [InlineData("QUERY", null, "example.com:8080", "example.com", 8080)]
    [InlineData("GET", null, "example.com:0", "example.com", null)]
    [InlineData("FOO", "FOO", "example.com", "example.com", 80)]
    [InlineData("GET", null, "LONG", null, null)]
    public async Task Invoke_HostingSetsItsOwnAttributes_SpanHasOnlyTheMiddlewaresValues(string method, string? original, string hostHeader, string? address, int? port)
    {
        // Arrange: hosting names QUERY _OTHER (with http.request.method_original), records the port :0 names, and a Host of
        // any length; the middleware knows QUERY and records neither an invalid port nor a Host longer than a host name.
        var (host, listener) = await StartWithHostingAttributesAsync();
        using var _ = host;
        using var __ = listener;
        var hostValue = hostHeader == "LONG" ? new string('a', 300) : hostHeader;

        // Act
        await host.GetTestServer().SendAsync(c =>
        {
            c.Request.Method = method;
            c.Request.Path = "/native";
            c.Request.Host = new HostString(hostValue);
        });

        // Assert: hosting did set its attributes (its url.path, replaced by the middleware's), and none of them is left
        // beside or instead of the middleware's.
        await listener.WaitAsync(1);
        var span = Assert.Single(listener.Stopped);
        Assert.Equal(method == "FOO" ? "_OTHER" : method, span.GetTagItem("http.request.method"));
        Assert.Equal(original, span.GetTagItem("http.request.method_original"));
        Assert.Equal(address, span.GetTagItem("server.address"));
        Assert.Equal(port, (int?)span.GetTagItem("server.port"));
        Assert.Equal("/native", span.GetTagItem("url.path"));
        Assert.All(span.TagObjects.GroupBy(t => t.Key), g => Assert.Single(g));
    }

    private static async Task<(IHost Host, HostingSourceListener Listener)> StartWithHostingAttributesAsync()
    {
        var configured = AppContext.TryGetSwitch(SuppressSwitch, out var previous);
        AppContext.SetSwitch(SuppressSwitch, false);
        try
        {
            return await TestHosts.StartWithoutAccessorAsync(null, static _ => Task.CompletedTask);
        }
        finally
        {
            // Read by hosting when the host starts: put back for any host started later in the process (unset means
            // suppressed in ASP.NET Core 10, so an unset switch is put back as true, never as false).
            AppContext.SetSwitch(SuppressSwitch, !configured || previous);
        }
    }
}
