using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Propagation.Collector;
using Propagation.Testing;

namespace Propagation.Middleware.Tests.Infrastructure;

/// <summary>Builds TestServer hosts (or Kestrel on 127.0.0.1, on a port the OS picks). The tracing pipeline is turned off so no process-wide OpenTelemetry listener samples other tests' requests.</summary>
internal static class TestHosts
{
    /// <summary>The address a Kestrel host (<c>kestrel: true</c>, or one started on 127.0.0.1 port 0) listens on.</summary>
    public static Uri KestrelAddress(IHost host) =>
        new(host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<IHost> StartAsync(
        Action<IServiceCollection> services,
        Action<IApplicationBuilder> app,
        IDictionary<string, string?>? configuration = null,
        RecordingLoggerProvider? logs = null,
        bool kestrel = false)
    {
        var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>()))
            .ConfigureLogging(l =>
            {
                l.SetMinimumLevel(LogLevel.Debug);
                if (logs is not null)
                {
                    l.AddProvider(logs);
                }
            })
            .ConfigureWebHost(web => (kestrel ? web.UseKestrel(o => o.Listen(IPAddress.Loopback, 0)) : web.UseTestServer())
                .ConfigureServices(s =>
                {
                    s.AddRouting();

                    // TestListener tells its test's requests apart through the accessor (AddTracing registers none).
                    s.AddHttpContextAccessor();
                    services(s);
                    s.Configure<TracingPipelineOptions>(o => o.Enabled = false);
                })
                .Configure(app))
            .Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Options with <see cref="TracingOptions.KnownHttpMethods"/> set from a comma-separated list, or
    /// <see langword="null"/> (the default list) for none.</summary>
    public static Action<TracingOptions>? KnownMethods(string? list) =>
        list is null ? null : o =>
        {
            foreach (var method in list.Split(','))
            {
                o.KnownHttpMethods.Add(method);
            }
        };

    /// <summary>A host whose pipeline is UseTracing then the given terminal handler (routed at /{**path}).</summary>
    public static Task<IHost> StartTracedAsync(
        Action<TracingOptions>? configure,
        RequestDelegate handler,
        IDictionary<string, string?>? configuration = null,
        RecordingLoggerProvider? logs = null,
        Action<IServiceCollection>? services = null) =>
        StartAsync(
            s =>
            {
                if (configure is null)
                {
                    s.AddTracing();
                }
                else
                {
                    s.AddTracing(configure);
                }

                services?.Invoke(s);
            },
            app =>
            {
                app.UseTracing();
                app.UseRouting();
                app.UseEndpoints(e => e.Map("/{**path}", handler));
            },
            configuration,
            logs);

    /// <summary>
    /// A traced host whose every request calls <c>http://downstream.internal/next</c> through an <c>AddTraceHeaders</c>
    /// client (named <c>out</c>) before answering "ok"; <paramref name="recorder"/> is its primary handler.
    /// </summary>
    public static Task<IHost> StartCallingOutAsync(RecordingHandler recorder) =>
        StartTracedAsync(
            null,
            static async context =>
            {
                var client = context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("out");
                using var response = await client.GetAsync(new Uri("http://downstream.internal/next"));
                await context.Response.WriteAsync("ok");
            },
            services: s => s.AddHttpClient("out").AddTraceHeaders().ConfigurePrimaryHttpMessageHandler(() => recorder));

    /// <summary>
    /// A traced host as <c>AddTracing</c> leaves an app: no <c>IHttpContextAccessor</c>. Its hosting activities are
    /// recorded by the returned listener (on the host's own hosting source, created before the host starts).
    /// </summary>
    public static async Task<(IHost Host, HostingSourceListener Listener)> StartWithoutAccessorAsync(
        Action<TracingOptions>? configure,
        RequestDelegate handler,
        Action<IServiceCollection>? services = null,
        RecordingLoggerProvider? logs = null)
    {
        var host = new HostBuilder()
            .ConfigureLogging(l =>
            {
                if (logs is not null)
                {
                    l.AddProvider(logs);
                }
            })
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(s =>
                {
                    s.AddRouting();
                    s.AddTracing(configure ?? (static _ => { }));
                    s.Configure<TracingPipelineOptions>(o => o.Enabled = false);
                    services?.Invoke(s);
                })
                .Configure(app =>
                {
                    app.UseTracing();
                    app.UseRouting();
                    app.UseEndpoints(e => e.Map("/{**path}", handler));
                }))
            .Build();
        var listener = new HostingSourceListener(host.Services.GetRequiredService<System.Diagnostics.ActivitySource>());
        await host.StartAsync();
        return (host, listener);
    }
}
